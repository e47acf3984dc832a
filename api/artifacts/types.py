"""Artifacts and their versions in the schema; relations read through per-request loaders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts import loaders
from api.artifacts.files import DEFAULT_FILES_PAGE, MAX_FILES_PAGE, ArtifactFile, files_page
from api.artifacts.scalars import BigInt
from api.authz import Action
from api.context import Context
from api.nodes import authorized_nodes
from api.orgs import Project, load_projects
from api.pagination import Connection, connection, page_of
from graph.artifacts import aliases as alias_graph
from graph.artifacts import versions as version_graph
from graph.artifacts.manifests import FORMAT, FORMAT_VERSION
from graph.artifacts.records import AliasEventRecord, ArtifactRecord, VersionRecord
from graph.core.errors import NotFound
from graph.core.refs import LATEST, ArtifactKey, SelectorKind, VersionRef


@strawberry.type(description="The manifest of a version: its entries as one JSON-lines blob.")
class ArtifactManifest:
    format: str
    format_version: int
    digest: str = strawberry.field(description="sha256 of the manifest: the version digest.")
    size: BigInt
    url: str = strawberry.field(description="A short-lived GET URL of the manifest.")


@strawberry.type(description="One add, move or removal of an alias.")
class AliasEvent:
    alias: str
    action: str = strawberry.field(description="add, move or remove.")
    from_index: int | None
    to_index: int | None
    from_version_id: strawberry.Private[str | None]
    to_version_id: strawberry.Private[str | None]
    actor: str
    at: datetime

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


@strawberry.type(description="A committed version of an artifact: immutable content, `vN`.")
class ArtifactVersion(relay.Node):
    id: relay.NodeID[str]
    index: int
    digest: str = strawberry.field(
        description="sha256 of the manifest; equal content, equal digest."
    )
    size: BigInt = strawberry.field(description="Total bytes of the files (and sized references).")
    file_count: int
    description: str | None
    metadata: JSON
    tags: list[str]
    created_at: datetime
    created_by: str | None
    state: str
    ttl_seconds: int | None
    expires_at: datetime | None
    record: strawberry.Private[VersionRecord]

    @classmethod
    def from_record(cls, record: VersionRecord) -> ArtifactVersion:
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
            state=record.state,
            ttl_seconds=record.ttl_seconds,
            expires_at=record.expires_at,
            record=record,
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

    @strawberry.field(description="Alias names pointing here, sorted (`latest` included).")
    async def aliases(self, info: Info[Context, None]) -> list[str]:
        return await info.context.loaders.get(loaders.load_aliases).load(self.id)

    @strawberry.field(description="The id of the run that produced this version, if any.")
    async def produced_by(self, info: Info[Context, None]) -> str | None:
        return await info.context.loaders.get(loaders.load_producers).load(self.id)

    @strawberry.field
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
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[ArtifactFile]:
        await info.context.authorize(Action.READ, org=self.record.org_name)
        page = page_of(first, after, default=DEFAULT_FILES_PAGE, maximum=MAX_FILES_PAGE)
        layout = await info.context.loaders.get(loaders.load_layouts).load(self.id)
        assert layout is not None
        items = await files_page(info.context, layout, page.offset, page.limit)
        return connection(items, layout.file_count, page, _same)


def _same(file: ArtifactFile) -> ArtifactFile:
    return file


@strawberry.type(description="An alias and the version it names.")
class ArtifactAlias:
    name: str
    version: ArtifactVersion


@strawberry.type(description="A named, typed series of versions in a project.")
class Artifact(relay.Node):
    id: relay.NodeID[str]
    name: str
    type: str
    description: str | None
    tags: list[str]
    created_at: datetime
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

    @strawberry.field
    async def project(self, info: Info[Context, None]) -> Project:
        record = await info.context.loaders.get(load_projects).load(self.record.project_id)
        assert record is not None
        return Project.from_record(record)

    @strawberry.field(description="How many committed versions the artifact has.")
    async def version_count(self, info: Info[Context, None]) -> int:
        return await info.context.loaders.get(loaders.load_version_counts).load(self.id)

    @strawberry.field(description="Committed versions, newest first.")
    async def versions(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
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
        alias: str | None = None,
        first: int | None = None,
        after: str | None = None,
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
