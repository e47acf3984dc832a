"""Small value types of collections: an alias and one change in an alias's history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.artifacts.ids import global_id
from api.registry.access import ARTIFACT_VERSION_TYPE
from graph.registry.aliases import AliasMoveRecord, AliasRecord


@strawberry.type(description="A collection alias and the linked version it names.")
class CollectionAlias:
    name: str = strawberry.field(description="The alias, e.g. `latest` or `production`.")
    index: int = strawberry.field(description="The collection index of the version it names.")
    source_version_id: strawberry.ID = strawberry.field(
        description="Global id of the ArtifactVersion it names."
    )

    @strawberry.field(description="`vN` of the version it names.")
    def version(self) -> str:
        return f"v{self.index}"


@strawberry.type(description="One set, move or removal of a collection alias: who, when, from, to.")
class CollectionAliasMove:
    alias: str = strawberry.field(description="The alias that was set, moved or removed.")
    from_index: int | None = strawberry.field(description="Null when the alias was new.")
    to_index: int | None = strawberry.field(description="Null when the alias was removed.")
    from_version_id: strawberry.ID | None = strawberry.field(
        description="Global id of the ArtifactVersion it named before; null when it was new."
    )
    to_version_id: strawberry.ID | None = strawberry.field(
        description="Global id of the ArtifactVersion it names after; null when removed."
    )
    at: datetime = strawberry.field(description="When it changed (UTC).")
    by: str = strawberry.field(description="User name of who changed it.")

    @strawberry.field(description="`set`, `move` or `remove`.")
    def action(self) -> str:
        if self.from_index is None and self.from_version_id is None:
            return "set"
        return "remove" if self.to_version_id is None else "move"


def _id(version_id: str | None) -> strawberry.ID | None:
    return (
        None if version_id is None else strawberry.ID(global_id(ARTIFACT_VERSION_TYPE, version_id))
    )


def alias_entry(record: AliasRecord) -> CollectionAlias:
    return CollectionAlias(
        name=record.name,
        index=record.index,
        source_version_id=strawberry.ID(global_id(ARTIFACT_VERSION_TYPE, record.version_id)),
    )


def alias_move(record: AliasMoveRecord) -> CollectionAliasMove:
    return CollectionAliasMove(
        alias=record.alias,
        from_index=record.from_index,
        to_index=record.to_index,
        from_version_id=_id(record.from_version_id),
        to_version_id=_id(record.to_version_id),
        at=record.at,
        by=record.by,
    )
