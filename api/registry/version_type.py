"""A version as linked into a collection, in the schema: `org/registry-name/collection:vN`.

It carries what a dashboard shows for a registry version (index, aliases, who linked it and
when, the source artifact's path, type and digest, the run that produced it) and leads to the
source ArtifactVersion, whose files, manifest and lineage are the artifacts' and lineage's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.artifacts import loaders as artifact_loaders
from api.artifacts.ids import global_id
from api.artifacts.types import ArtifactVersion
from api.authz import Action
from api.context import Context
from api.lineage.nodes import Run, load_runs
from api.nodes import authorized_nodes
from api.registry.access import ARTIFACT_VERSION_TYPE, RUN_TYPE
from api.registry.loaders import load_collections, load_memberships
from graph.registry.records import MembershipRecord

if TYPE_CHECKING:
    from api.registry.types import Collection


@strawberry.type(description="A version as linked into a collection: `org/registry-x/c:vN`.")
class RegistryVersion(relay.Node):
    id: relay.NodeID[str]
    index: int = strawberry.field(description="The collection index N of `vN`, in link order.")
    aliases: list[str] = strawberry.field(description="Collection aliases naming it, latest first.")
    linked_at: datetime = strawberry.field(description="When the version was linked (UTC).")
    linked_by: str = strawberry.field(description="User name of who linked it.")
    artifact_type: str = strawberry.field(
        description="The source artifact's type (the collection's type)."
    )
    digest: str | None = strawberry.field(
        description="The source version's digest (sha256 of its manifest); null only for "
        "records that lack it."
    )
    file_count: int | None = strawberry.field(
        description="How many entries the source version holds; null only for records that lack it."
    )
    description: str | None = strawberry.field(
        description="The source version's description; null when it has none."
    )
    created_at: datetime | None = strawberry.field(description="When the version was committed.")
    unlinked_at: datetime | None = strawberry.field(
        default=None,
        description="When it was unlinked from the collection since; null while it is linked. "
        "Only a version answered `asOf:` an earlier moment can have one.",
    )
    record: strawberry.Private[MembershipRecord]

    @classmethod
    def from_record(
        cls, record: MembershipRecord, unlinked_at: datetime | None = None
    ) -> RegistryVersion:
        version = record.version
        return cls(
            unlinked_at=unlinked_at,
            id=record.key,
            index=record.index,
            aliases=list(record.aliases),
            linked_at=record.linked_at,
            linked_by=record.linked_by,
            artifact_type=version.artifact_type,
            digest=version.digest,
            file_count=version.file_count,
            description=version.description,
            created_at=version.created_at,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[RegistryVersion | None]:
        return await authorized_nodes(
            info,
            load_memberships,
            node_ids,
            cls.from_record,
            lambda record: (record.org_name, record.registry_name),
        )

    @strawberry.field(description="`v` and the collection index: `v3`.")
    def version(self) -> str:
        return f"v{self.index}"

    @strawberry.field(description="`organization/registry-name/collection:vN`.")
    def path(self) -> str:
        return self.record.path

    @strawberry.field(description="The source version's own path: `organization/project/name:vN`.")
    def source_path(self) -> str:
        return self.record.version.path

    @strawberry.field(description="Global id of the source ArtifactVersion (for `node(id:)`).")
    def source_version_id(self) -> strawberry.ID:
        return strawberry.ID(global_id(ARTIFACT_VERSION_TYPE, self.record.version.id))

    @strawberry.field(description="Name of the source artifact in its project.")
    def artifact_name(self) -> str:
        return self.record.version.artifact_name

    @strawberry.field(description="Name of the project holding the source artifact.")
    def project_name(self) -> str:
        return self.record.version.project_name

    @strawberry.field(description="Global id of the run that produced the version, if any.")
    def producing_run_id(self) -> strawberry.ID | None:
        run = self.record.producing_run
        return None if run is None else strawberry.ID(global_id(RUN_TYPE, run.id))

    @strawberry.field(description="Name of the run that produced the version, if any.")
    def producing_run_name(self) -> str | None:
        run = self.record.producing_run
        return None if run is None else run.name

    @strawberry.field(
        description="The source ArtifactVersion: its files, manifest and lineage. Reading it "
        "needs read access to its organisation, as `node(id:)` does (FORBIDDEN otherwise)."
    )
    async def artifact_version(self, info: Info[Context, None]) -> ArtifactVersion | None:
        # The organisation's data, authorised as `ArtifactVersion.resolve_nodes` does, not by
        # the registry role that opened this registry version.
        await info.context.authorize(Action.READ, org=self.record.version.org_name)
        record = await info.context.loaders.get(artifact_loaders.load_versions).load(
            self.record.version.id
        )
        return None if record is None else ArtifactVersion.from_record(record)

    @strawberry.field(
        description="The run that produced the version, if any (reading it needs read access "
        "to its organisation)."
    )
    async def producing_run(self, info: Info[Context, None]) -> Run | None:
        run = self.record.producing_run
        if run is None:
            return None
        await info.context.authorize(Action.READ, org=self.record.version.org_name)
        record = await info.context.loaders.get(load_runs).load(run.id)
        return None if record is None else Run.from_record(record)

    @strawberry.field(description="The collection it is linked into.")
    async def collection(
        self, info: Info[Context, None]
    ) -> Annotated[Collection, strawberry.lazy("api.registry.types")]:
        from api.registry.types import Collection

        record = await info.context.loaders.get(load_collections).load(self.record.collection_id)
        assert record is not None
        return Collection.from_record(record)
