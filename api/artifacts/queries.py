"""Root fields to find artifacts and versions by path, and the files of many versions at once."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.artifacts import loaders
from api.artifacts.files import (
    DEFAULT_FILES_PAGE,
    MAX_FILES_PAGE,
    MAX_FILES_PER_REQUEST,
    ArtifactFile,
    files_page,
)
from api.artifacts.ids import node_id_of
from api.artifacts.manage_mutations import TtlPolicy, ttl_policy
from api.artifacts.types import Artifact, ArtifactVersion
from api.authz import Action
from api.context import Context
from api.history import AsOf, checked_as_of
from api.pagination import After, Connection, First, Page, connection, page_of
from graph.artifacts import catalog as artifacts
from graph.artifacts import history, versions
from graph.core.errors import LimitExceeded
from graph.core.names import validate_name
from graph.core.refs import parse_artifact_path, parse_version_path

MAX_VERSIONS_PER_REQUEST = 1000
_CONCURRENCY = 16


@strawberry.type(description="The first files of one version, as `artifactFiles` returns them.")
class ArtifactVersionFiles:
    version: ArtifactVersion = strawberry.field(description="The version.")
    files: Connection[ArtifactFile] = strawberry.field(
        description="Its first `first` files in manifest order; continue with "
        "`ArtifactVersion.files(after: pageInfo.endCursor)`."
    )


def _same(file: ArtifactFile) -> ArtifactFile:
    return file


@strawberry.type(description="Queries of artifacts, versions, files and TTL policy.")
class ArtifactQuery:
    @strawberry.field(description="An artifact by `organization/project/name`, or null.")
    async def artifact(
        self,
        info: Info[Context, None],
        path: Annotated[
            str,
            strawberry.argument(
                description="`organization/project/name`, no selector; INVALID_PATH when it "
                "does not parse."
            ),
        ],
    ) -> Artifact | None:
        key = parse_artifact_path(path)
        await info.context.authorize(Action.READ, org=key.org)
        record = await artifacts.artifact_by_key(info.context.graph, key)
        return None if record is None else Artifact.from_record(record)

    @strawberry.field(
        description="A committed version by `organization/project/name[:vN|:alias|:sha256]` "
        "(no selector means `latest`), or null."
    )
    async def artifact_version(
        self,
        info: Info[Context, None],
        path: Annotated[
            str,
            strawberry.argument(
                description="`organization/project/name` with an optional `:vN`, `:alias` or "
                "`:<sha256 digest>`; INVALID_PATH when it does not parse."
            ),
        ],
        as_of: AsOf = None,
    ) -> ArtifactVersion | None:
        ref = parse_version_path(path)
        moment = checked_as_of(as_of)
        await info.context.authorize(Action.READ, org=ref.artifact.org)
        if moment is not None:
            past = await history.version_as_of(info.context.graph, ref, moment)
            return None if past is None else ArtifactVersion.from_record(past, moment)
        record = await versions.version_by_ref(info.context.graph, ref)
        return None if record is None else ArtifactVersion.from_record(record)

    @strawberry.field(description="Artifacts of a project by name, optionally of one type.")
    async def artifacts(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        project: Annotated[str, strawberry.argument(description="The project's name.")],
        type: Annotated[
            str | None,
            strawberry.argument(description="Only artifacts of this type; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Artifact]:
        validate_name(organization, field="organization")
        validate_name(project, field="project")
        await info.context.authorize(Action.READ, org=organization)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await artifacts.artifacts_of_project(
            info.context.graph, organization, project, type, page.offset, page.limit
        )
        return connection(records, total, page, Artifact.from_record)

    @strawberry.field(
        description="The first files (with download URLs) of many versions in one request, in "
        "the order of `versionIds`; null for a version that does not exist. Page further with "
        f"ArtifactVersion.files. At most {MAX_VERSIONS_PER_REQUEST} versions and "
        f"{MAX_FILES_PER_REQUEST} files per request."
    )
    async def artifact_files(
        self,
        info: Info[Context, None],
        version_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"Global ids of ArtifactVersions, at most {MAX_VERSIONS_PER_REQUEST} "
                "(LIMIT_EXCEEDED beyond); INVALID_INPUT for an id of another type."
            ),
        ],
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Files per version, 0 to {MAX_FILES_PAGE}; null means "
                f"{DEFAULT_FILES_PAGE}. Versions times files at most {MAX_FILES_PER_REQUEST} "
                "(LIMIT_EXCEEDED beyond)."
            ),
        ] = None,
    ) -> list[ArtifactVersionFiles | None]:
        page = page_of(first, None, default=DEFAULT_FILES_PAGE, maximum=MAX_FILES_PAGE)
        if len(version_ids) > MAX_VERSIONS_PER_REQUEST:
            raise LimitExceeded(
                f"At most {MAX_VERSIONS_PER_REQUEST} versions per request", field="versionIds"
            )
        if len(version_ids) * page.limit > MAX_FILES_PER_REQUEST:
            raise LimitExceeded(
                f"versionIds x first must not exceed {MAX_FILES_PER_REQUEST}", field="first"
            )
        ids = [node_id_of(value, "ArtifactVersion", field="versionIds") for value in version_ids]
        context = info.context
        records = await context.loaders.get(loaders.load_versions).load_many(ids)
        for record in records:
            if record is not None:
                await context.authorize(Action.READ, org=record.org_name)
        layouts = await context.loaders.get(loaders.load_layouts).load_many(ids)
        limit = asyncio.Semaphore(_CONCURRENCY)

        async def one(index: int) -> ArtifactVersionFiles | None:
            record, layout = records[index], layouts[index]
            if record is None or layout is None:
                return None
            async with limit:
                items = await files_page(context, layout, 0, page.limit)
            return ArtifactVersionFiles(
                version=ArtifactVersion.from_record(record),
                files=connection(items, layout.file_count, Page(0, page.limit), _same),
            )

        return list(await asyncio.gather(*(one(i) for i in range(len(ids)))))

    @strawberry.field(description="An organisation's artifact TTL policy, or null.")
    async def organization_ttl_policy(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
    ) -> TtlPolicy | None:
        return await ttl_policy(info, organization)
