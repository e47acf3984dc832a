"""Artifacts and their versions in the schema; relations read through per-request loaders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts import loaders
from api.artifacts.files import DEFAULT_FILES_PAGE, MAX_FILES_PAGE, ArtifactFile, files_page
from api.artifacts.ids import global_id
from api.artifacts.scalars import BigInt
from api.authz import Action
from api.context import Context
from api.nodes import authorized_nodes
from api.openlineage.fields import dataset_openlineage
from api.orgs import Project, load_projects
from api.pagination import After, Connection, First, connection, page_of
from graph.artifacts import aliases as alias_graph
from graph.artifacts import history as history_graph
from graph.artifacts import versions as version_graph
from graph.artifacts.manifests import FORMAT, FORMAT_VERSION
from graph.artifacts.records import AliasEventRecord, ArtifactRecord, VersionRecord
from graph.core.errors import NotFound
from graph.core.refs import LATEST, ArtifactKey, SelectorKind, VersionRef


@strawberry.type(description="The manifest of a version: its entries as one JSON-lines blob.")
class ArtifactManifest:
    format: str = strawberry.field(
        description=f"The manifest format's name, `{FORMAT}`: a JSON header line, then one JSON "
        "object per entry (`path`, and `digest`/`size` or `ref`), sorted by path."
    )
    format_version: int = strawberry.field(
        description=f"Version of that format ({FORMAT_VERSION} today); a reader should refuse "
        "versions it does not know."
    )
    digest: str = strawberry.field(description="The sha256 of the manifest: the version digest.")
    size: BigInt = strawberry.field(description="Bytes of the manifest blob itself.")
    url: str = strawberry.field(description="A short-lived GET URL of the manifest.")


@strawberry.type(description="One add, move or removal of an alias.")
class AliasEvent:
    alias: str = strawberry.field(description="The alias that was added, moved or removed.")
    action: str = strawberry.field(description="`add`, `move` or `remove`.")
    from_index: int | None = strawberry.field(
        description="Index N of the version (`vN`) the alias named before; null for an add."
    )
    to_index: int | None = strawberry.field(
        description="Index N of the version (`vN`) the alias names after; null for a removal."
    )
    from_version_id: strawberry.Private[str | None]
    to_version_id: strawberry.Private[str | None]
    actor: str = strawberry.field(
        description="User name of who changed it; `system:ttl` or `system:retention` when "
        "expiry or the retention policy deleted the version it named."
    )
    at: datetime = strawberry.field(description="When it changed (UTC).")

    @classmethod
    def from_record(cls, record: AliasEventRecord) -> AliasEvent:
        return cls(
            alias=record.alias,
            action=record.action,
            from_index=record.from_index,
            to_index=record.to_index,
            from_version_id=record.from_version_id,
            to_version_id=record.to_version_id,
            actor=record.actor,
            at=record.at,
        )


@strawberry.enum(
    description="Where a version is in its life, as the graph stores it. The API returns "
    "COMMITTED versions only; the other states name drafts and tombstones."
)
class ArtifactVersionState(Enum):
    PENDING = strawberry.enum_value(
        "PENDING",
        description="A draft being uploaded: no index yet, invisible until committed.",
    )
    COMMITTED = strawberry.enum_value(
        "COMMITTED",
        description="Committed: immutable content with its index `vN`; the only state the "
        "API shows.",
    )
    DELETED = strawberry.enum_value(
        "DELETED",
        description="Deleted (by hand, TTL or retention): a tombstone keeping its index and "
        "lineage edges so `vN` is never reused.",
    )


@strawberry.enum(description="What happened to a version (its history).")
class VersionHistoryKind(Enum):
    CREATED = strawberry.enum_value("CREATED", description="Committed as `vN`.")
    ALIAS_SET = strawberry.enum_value("ALIAS_SET", description="An artifact alias now names it.")
    ALIAS_REMOVED = strawberry.enum_value(
        "ALIAS_REMOVED", description="An artifact alias stopped naming it (moved or removed)."
    )
    LINKED = strawberry.enum_value("LINKED", description="Linked into a registry collection.")
    UNLINKED = strawberry.enum_value("UNLINKED", description="Unlinked from a collection.")
    COLLECTION_ALIAS_SET = strawberry.enum_value(
        "COLLECTION_ALIAS_SET", description="A collection alias now names it."
    )
    COLLECTION_ALIAS_REMOVED = strawberry.enum_value(
        "COLLECTION_ALIAS_REMOVED", description="A collection alias stopped naming it."
    )
    DELETED = strawberry.enum_value("DELETED", description="Deleted (by hand, TTL, retention).")


@strawberry.type(description="One entry of a version's history.")
class VersionHistoryEntry:
    kind: VersionHistoryKind = strawberry.field(description="What happened.")
    at: datetime = strawberry.field(description="When (UTC).")
    actor: str | None = strawberry.field(description="Who; null when not recorded.")
    alias: str | None = strawberry.field(description="The alias, for alias entries.")
    path: str | None = strawberry.field(
        description="The collection version (`org/registry-R/c:vN`), for link and collection "
        "alias entries."
    )
    other_version: str | None = strawberry.field(
        description="For alias entries: the version the alias came from (when set here) or "
        "went to (when taken off), as `vN`; null when none."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VersionHistoryEntry:
        other = row.get("other")
        return cls(
            kind=VersionHistoryKind[row["kind"]],
            at=row["at"],
            actor=row.get("actor"),
            alias=row.get("alias"),
            path=row.get("path"),
            other_version=None if other is None else f"v{other}",
        )


@strawberry.type(description="A committed version of an artifact: immutable content, `vN`.")
class ArtifactVersion(relay.Node):
    id: relay.NodeID[str]
    index: int = strawberry.field(
        description="N of `vN`: 0 for the first version, one more for each commit; never "
        "reused, even after a deletion."
    )
    digest: str = strawberry.field(
        description="The sha256 of the manifest; equal content, equal digest."
    )
    size: BigInt = strawberry.field(description="Total bytes of the files (and sized references).")
    file_count: int = strawberry.field(
        description="How many entries (stored files and references) the version holds."
    )
    description: str | None = strawberry.field(
        description="Free text about this version; null when none was given."
    )
    metadata: JSON = strawberry.field(
        description="A JSON object of the producer's choosing (at most 100 top-level keys, "
        "64 KiB); `{}` when none was given."
    )
    tags: list[str] = strawberry.field(
        description="Labels of this version (at most 64, each up to 64 characters); may be empty."
    )
    created_at: datetime = strawberry.field(description="When the version was committed (UTC).")
    created_by: str | None = strawberry.field(
        description="User name of who committed it; null when not recorded (imported data)."
    )
    state: ArtifactVersionState = strawberry.field(
        description="COMMITTED; DELETED only for a version answered as of an earlier moment "
        "(`asOf:`) that was deleted since (see `deletedAt`)."
    )
    deleted_at: datetime | None = strawberry.field(
        description="When the version was deleted (by hand, TTL or retention); null while it "
        "exists. Only versions answered `asOf:` an earlier moment can have one."
    )
    deleted_by: str | None = strawberry.field(
        description="Who deleted it (`system:ttl`, `system:retention` for the sweeper); null "
        "while it exists."
    )
    ttl_seconds: int | None = strawberry.field(
        description="Lifetime in seconds, counted from `createdAt`; null when it never expires."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the sweeper deletes it (`createdAt` + `ttlSeconds`, UTC); null when "
        "it never expires. Aliased versions expire too."
    )
    record: strawberry.Private[VersionRecord]
    as_of: strawberry.Private[datetime | None] = None
    """The moment this version was answered as of (`asOf:`): aliases are those of then."""

    @classmethod
    def from_record(cls, record: VersionRecord, as_of: datetime | None = None) -> ArtifactVersion:
        return cls(
            id=record.id,
            index=record.index,
            digest=record.digest,
            size=BigInt(record.size),
            file_count=record.file_count,
            description=record.description,
            metadata=JSON(record.metadata),
            tags=record.tags,
            created_at=record.created_at,
            created_by=record.created_by,
            state=ArtifactVersionState(record.state),
            ttl_seconds=record.ttl_seconds,
            expires_at=record.expires_at,
            deleted_at=record.deleted_at,
            deleted_by=record.deleted_by,
            record=record,
            as_of=as_of,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ArtifactVersion | None]:
        return await authorized_nodes(
            info,
            loaders.load_versions,
            node_ids,
            cls.from_record,
            lambda record: (record.org_name, None),
        )

    @strawberry.field(description="`v` and the index, as in paths: `v3`.")
    def version(self) -> str:
        return f"v{self.index}"

    @strawberry.field(description="`organization/project/name:vN`.")
    def path(self) -> str:
        return self.record.path

    @strawberry.field(
        description="Alias names pointing here, sorted (`latest` included); for a version "
        "answered `asOf:` a moment, the aliases that pointed here then."
    )
    async def aliases(self, info: Info[Context, None]) -> list[str]:
        if self.as_of is not None:
            return (await history_graph.aliases_as_of(info.context.graph, [self.id], self.as_of))[0]
        return await info.context.loaders.get(loaders.load_aliases).load(self.id)

    @strawberry.field(
        description="False for a deleted version: its files may already have been collected, "
        "so `files` and `manifest` answer NOT_FOUND for it (its metadata is kept)."
    )
    def files_available(self) -> bool:
        return self.record.state == "COMMITTED"

    @strawberry.field(
        description="The version's life, oldest first: created, aliases set on it and taken "
        "off it, links into registry collections and unlinks, collection aliases, deletion."
    )
    async def history(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[VersionHistoryEntry]:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        rows, total = await history_graph.version_history(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(rows, total, page, VersionHistoryEntry.from_row)

    def _require_files(self) -> None:
        if self.record.state != "COMMITTED":
            raise NotFound(
                f"Version {self.record.path} was deleted at {self.record.deleted_at}; its "
                "files are no longer kept (its metadata is)",
                field="files",
            )

    @strawberry.field(
        description="For a dataset version recorded from OpenLineage: `{namespace, name, "
        "facets}` (the dataset's facets merged over the events that named this version); null "
        "for other versions."
    )
    async def open_lineage(self, info: Info[Context, None]) -> JSON | None:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        found = await dataset_openlineage(info.context, self.id)
        return None if found is None else JSON(found)

    @strawberry.field(
        description="Global id of the run that produced this version (a `Run`, for "
        "`node(id:)`), if any."
    )
    async def produced_by(self, info: Info[Context, None]) -> strawberry.ID | None:
        run_id = await info.context.loaders.get(loaders.load_producers).load(self.id)
        return None if run_id is None else strawberry.ID(global_id("Run", run_id))

    @strawberry.field(
        description="The artifact this is a version of. NOT_FOUND if it was deleted while the "
        "request ran."
    )
    async def artifact(self, info: Info[Context, None]) -> Artifact:
        record = await info.context.loaders.get(loaders.load_artifacts).load(
            self.record.artifact_id
        )
        if record is None:  # the artifact was deleted while this request ran
            raise NotFound(
                f"The artifact of version {self.record.id!r} was deleted", field="artifact"
            )
        return Artifact.from_record(record)

    @strawberry.field(description="The manifest blob, with a short-lived download URL.")
    async def manifest(self, info: Info[Context, None]) -> ArtifactManifest:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        self._require_files()
        record = self.record
        url = await info.context.blobs.presign_download(
            record.manifest_digest,
            info.context.settings.signed_url_ttl_seconds,
            filename=f"{record.artifact_name}-v{record.index}.manifest.jsonl",
        )
        return ArtifactManifest(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            digest=record.manifest_digest,
            size=BigInt(record.manifest_size),
            url=url,
        )

    @strawberry.field(
        description=f"Files in manifest order with download URLs; pages of up to {MAX_FILES_PAGE}."
    )
    async def files(
        self,
        info: Info[Context, None],
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Page size, 0 to {MAX_FILES_PAGE}; null means "
                f"{DEFAULT_FILES_PAGE}. More is INVALID_INPUT."
            ),
        ] = None,
        after: After = None,
    ) -> Connection[ArtifactFile]:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        self._require_files()
        page = page_of(first, after, default=DEFAULT_FILES_PAGE, maximum=MAX_FILES_PAGE)
        layout = await info.context.loaders.get(loaders.load_layouts).load(self.id)
        assert layout is not None
        items = await files_page(info.context, layout, page.offset, page.limit)
        return connection(items, layout.file_count, page, _same)


def _same(file: ArtifactFile) -> ArtifactFile:
    return file


@strawberry.type(description="A named, typed series of versions in a project.")
class Artifact(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique within its project; the last part of `path`.")
    type: str = strawberry.field(
        description="What kind of content it holds (`dataset`, `model`, ...); fixed at creation, "
        "and the type a registry collection must accept to link its versions."
    )
    description: str | None = strawberry.field(
        description="Free text about the artifact; null when none was given."
    )
    tags: list[str] = strawberry.field(
        description="Labels of the artifact (at most 64, each up to 64 characters); may be empty."
    )
    created_at: datetime = strawberry.field(
        description="When its first version was committed (UTC)."
    )
    keep_last: int | None = strawberry.field(
        description="Retention: keep this many newest versions, and aliased ones (null: all)."
    )
    record: strawberry.Private[ArtifactRecord]

    @classmethod
    def from_record(cls, record: ArtifactRecord) -> Artifact:
        return cls(
            id=record.id,
            name=record.name,
            type=record.type,
            description=record.description,
            tags=record.tags,
            created_at=record.created_at,
            keep_last=record.keep_last,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Artifact | None]:
        return await authorized_nodes(
            info,
            loaders.load_artifacts,
            node_ids,
            cls.from_record,
            lambda record: (record.org_name, None),
        )

    @strawberry.field(description="`organization/project/name`.")
    def path(self) -> str:
        return self.record.path

    @strawberry.field(description="The project holding the artifact.")
    async def project(self, info: Info[Context, None]) -> Project:
        record = await info.context.loaders.get(load_projects).load(self.record.project_id)
        assert record is not None
        return Project.from_record(record)

    @strawberry.field(
        description="For a dataset recorded from OpenLineage: its original `{namespace, name}` "
        "(`openLineageDataset` finds it by them); null for other artifacts."
    )
    async def open_lineage(self, info: Info[Context, None]) -> JSON | None:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        found = await dataset_openlineage(info.context, self.id)
        return None if found is None else JSON(found)

    @strawberry.field(description="How many committed versions the artifact has.")
    async def version_count(self, info: Info[Context, None]) -> int:
        return await info.context.loaders.get(loaders.load_version_counts).load(self.id)

    @strawberry.field(description="Committed versions, newest first.")
    async def versions(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[ArtifactVersion]:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await version_graph.versions_of_artifact(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(records, total, page, ArtifactVersion.from_record)

    @strawberry.field(description="The version `latest` names, or null.")
    async def latest(self, info: Info[Context, None]) -> ArtifactVersion | None:
        return await _version_by_alias(info, self.record, LATEST)

    @strawberry.field(description="Alias history, newest first; optionally of one alias.")
    async def alias_history(
        self,
        info: Info[Context, None],
        alias: Annotated[
            str | None,
            strawberry.argument(description="Only the changes of this alias; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AliasEvent]:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await alias_graph.alias_history(
            info.context.graph, self.id, alias, page.offset, page.limit
        )
        return connection(records, total, page, AliasEvent.from_record)


async def _version_by_alias(
    info: Info[Context, None], artifact: ArtifactRecord, alias: str
) -> ArtifactVersion | None:
    await info.context.authorize(Action.READ, org=artifact.org_name)
    key = ArtifactKey(artifact.org_name, artifact.project_name, artifact.name)
    record = await version_graph.version_by_ref(
        info.context.graph, VersionRef(key, SelectorKind.ALIAS, alias)
    )
    return None if record is None else ArtifactVersion.from_record(record)
