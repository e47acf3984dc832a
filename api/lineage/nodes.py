"""The objects of a lineage graph: runs and artifact versions, behind one `LineageNode` interface.

Both are relay nodes, loaded through per-request DataLoaders so fifty nodes cost one query per
kind, not fifty. A lineage page loads the nodes it shows itself, with their producing runs
(`page_nodes`, see `api.lineage.page`), so their fields need no loader.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts.scalars import BigInt
from api.authz import Action
from api.context import Context
from api.enums import described_enum
from api.nodes import authorized_nodes
from api.openlineage.fields import run_openlineage, run_parent_id
from api.orgs import Project, load_projects
from api.pagination import After, Connection, First, connection, page_of
from graph.lineage import edges as lineage_edges
from graph.lineage import nodes as lineage_nodes
from graph.lineage import runs
from graph.lineage.model import EdgeKind, NodeKind
from graph.lineage.nodes import VersionSummary
from graph.lineage.runs import RunRecord, RunState

LineageNodeKind = described_enum(
    NodeKind,
    name="LineageNodeKind",
    description="Runs and artifact versions.",
    values={
        "RUN": "A run (`Run`).",
        "ARTIFACT_VERSION": "A committed artifact version (`LineageVersion`).",
    },
)
RunStateEnum = described_enum(
    RunState,
    name="RunState",
    description="RUNNING until the run ends once as one of the others.",
    values={
        "RUNNING": "Started and not ended yet.",
        "FINISHED": "Ended successfully.",
        "FAILED": "Ended with an error the code reported.",
        "CRASHED": "Ended abnormally without reporting (killed, lost).",
    },
)


async def load_runs(context: Context, ids: list[str]) -> list[RunRecord | None]:
    return await runs.runs_by_ids(context.graph, ids)


async def load_versions(context: Context, ids: list[str]) -> list[VersionSummary | None]:
    return await lineage_nodes.version_summaries(context.graph, ids)


async def load_versions_in_walks(context: Context, ids: list[str]) -> list[VersionSummary | None]:
    """Versions a walk found, tombstones included: a walk as of an earlier moment shows
    versions deleted since (with `deletedAt`); a walk of the present finds none."""
    return await lineage_nodes.version_summaries(context.graph, ids, include_deleted=True)


@strawberry.interface(description="A run or an artifact version in a lineage graph.")
class LineageNode(relay.Node):
    kind: NodeKind = strawberry.field(description="RUN or ARTIFACT_VERSION: which type this is.")
    name: str = strawberry.field(description="Run name, or `artifact:vN` for a version.")
    type: str = strawberry.field(description="Job type of a run, artifact type of a version.")
    project_path: str = strawberry.field(description="`organization/project` it belongs to.")
    created_at: datetime | None = strawberry.field(
        description="When the run started or the version was created."
    )


@strawberry.type(description="An execution of code that consumed and produced artifact versions.")
class Run(LineageNode):
    id: relay.NodeID[str]
    job_type: str = strawberry.field(description="What kind of job it is (`train`, `eval`, ...).")
    state: RunState = strawberry.field(description="Whether it is running or how it ended.")
    author: str | None = strawberry.field(
        description="User name of who created it; null when not recorded (imported runs)."
    )
    config: JSON = strawberry.field(description="Hyperparameters and settings (a JSON object).")
    summary: JSON = strawberry.field(description="Free-form results (a JSON object).")
    tags: list[str] = strawberry.field(
        description="Labels of the run (at most 64, each up to 64 characters); may be empty."
    )
    started_at: datetime = strawberry.field(description="When it started (UTC).")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (UTC); null while RUNNING."
    )
    duration: float | None = strawberry.field(
        description="Seconds from start to end; null while RUNNING."
    )
    project_id: strawberry.Private[str]
    org_name: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: RunRecord) -> Run:
        return cls(
            id=record.id,
            kind=NodeKind.RUN,
            name=record.name,
            type=record.job_type,
            project_path=record.project_path,
            created_at=record.created_at,
            job_type=record.job_type,
            state=record.state,
            author=record.author,
            config=JSON(record.config),
            summary=JSON(record.summary),
            tags=list(record.tags),
            started_at=record.started_at,
            finished_at=record.finished_at,
            duration=record.duration_seconds,
            project_id=record.project_id,
            org_name=record.org_name,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Run | None]:
        return await authorized_nodes(
            info, load_runs, node_ids, cls.from_record, lambda record: (record.org_name, None)
        )

    @strawberry.field(description="The project holding the run.")
    async def project(self, info: Info[Context, None]) -> Project:
        record = await info.context.loaders.get(load_projects).load(self.project_id)
        assert record is not None
        return Project.from_record(record)

    @strawberry.field(
        description="For a run recorded from OpenLineage (POST /api/v1/lineage): `{runId, job: "
        "{namespace, name}, runFacets, jobFacets, events}` (facets merged over its events, "
        "`events` as `TYPE@eventTime`); null for other runs."
    )
    async def open_lineage(self, info: Info[Context, None]) -> JSON | None:
        await info.context.authorize(Action.READ, org=self.org_name)
        found = await run_openlineage(info.context, self.id)
        return None if found is None else JSON(found)

    @strawberry.field(
        description="The run that started this one (OpenLineage's `parent` run facet); null "
        "when none was recorded."
    )
    async def parent_run(self, info: Info[Context, None]) -> Run | None:
        await info.context.authorize(Action.READ, org=self.org_name)
        parent_id = await run_parent_id(info.context, self.id)
        if parent_id is None:
            return None
        record = await info.context.loaders.get(load_runs).load(parent_id)
        return None if record is None else Run.from_record(record)

    @strawberry.field(description="Versions this run consumed, in the order it first used them.")
    async def inputs(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[LineageVersion]:
        return await _run_versions(self, info, EdgeKind.CONSUMED, first, after)

    @strawberry.field(description="Versions this run produced, oldest first.")
    async def outputs(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[LineageVersion]:
        return await _run_versions(self, info, EdgeKind.PRODUCED, first, after)


async def _run_versions(
    run: Run, info: Info[Context, None], kind: EdgeKind, first: int | None, after: str | None
) -> Connection[LineageVersion]:
    await info.context.authorize(Action.READ, org=run.org_name)
    settings = info.context.settings
    page = page_of(first, after, default=settings.default_page_size, maximum=settings.max_page_size)
    rows, total = await lineage_edges.run_versions(
        info.context.graph, run.id, kind, page.offset, page.limit
    )
    loaded = await info.context.loaders.get(load_versions).load_many([v for v, _ in rows])
    versions = [v for v in loaded if v is not None]
    return connection(versions, total, page, LineageVersion.from_summary)


@strawberry.type(description="An artifact version as a lineage graph shows it.")
class LineageVersion(LineageNode):
    id: relay.NodeID[str]
    artifact_name: str = strawberry.field(description="Name of the artifact in its project.")
    index: int = strawberry.field(description="N in `name:vN`.")
    artifact_type: str = strawberry.field(description="The artifact's type.")
    aliases: list[str] = strawberry.field(
        description="Alias names pointing at the version, sorted (`latest` included)."
    )
    description: str | None = strawberry.field(
        description="The version's description; null when it has none."
    )
    size: BigInt = strawberry.field(description="Total bytes of the files (and sized references).")
    deleted_at: datetime | None = strawberry.field(
        default=None,
        description="When the version was deleted; null while it exists. Only walks as of an "
        "earlier moment (`asOf:`) show versions deleted since (their metadata is kept, their "
        "files may be gone).",
    )
    producer_id: strawberry.Private[str | None]
    org_name: strawberry.Private[str]
    producer_run: strawberry.Private[Run | None] = None
    producer_loaded: strawberry.Private[bool] = False
    """True when `producer_run` was loaded with the page (`producer` then needs no loader)."""

    @classmethod
    def from_summary(cls, v: VersionSummary) -> LineageVersion:
        return cls(
            id=v.id,
            kind=NodeKind.ARTIFACT_VERSION,
            name=v.name,
            type=v.artifact_type,
            project_path=v.project_path,
            created_at=v.created_at,
            artifact_name=v.artifact_name,
            index=v.index,
            artifact_type=v.artifact_type,
            aliases=list(v.aliases),
            description=v.description,
            size=BigInt(v.size),
            producer_id=v.producer_id,
            org_name=v.org_name,
            deleted_at=v.deleted_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[LineageVersion | None]:
        records = await info.context.loaders.get(load_versions).load_many(list(node_ids))
        result: list[LineageVersion | None] = []
        for record in records:
            if record is not None:
                await info.context.authorize(Action.READ, org=record.org_name)
            result.append(None if record is None else cls.from_summary(record))
        return result

    @strawberry.field(description="The id of the same version in the artifacts API.")
    def artifact_version_id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("ArtifactVersion", str(self.id))))

    @strawberry.field(
        description="The run that produced this version, if recorded.", graphql_type=Run | None
    )
    def producer(self, info: Info[Context, None]) -> Run | Awaitable[Run | None] | None:
        # Not `async`: when the page loaded the producer, the value is returned as is, which
        # spares the executor an awaitable per version; otherwise the loader batches it.
        if self.producer_id is None:
            return None
        if self.producer_loaded:
            return self.producer_run
        return _load_producer(info, self.producer_id)


async def _load_producer(info: Info[Context, None], producer_id: str) -> Run | None:
    record = await info.context.loaders.get(load_runs).load(producer_id)
    return None if record is None else Run.from_record(record)


async def lineage_nodes_of(
    info: Info[Context, None], kind: NodeKind, ids: list[str]
) -> list[LineageNode]:
    """Node objects for ids of one kind (missing ones skipped), batched through the loaders."""
    if kind is NodeKind.RUN:
        run_records = await info.context.loaders.get(load_runs).load_many(ids)
        return [Run.from_record(r) for r in run_records if r is not None]
    summaries = await info.context.loaders.get(load_versions_in_walks).load_many(ids)
    return [LineageVersion.from_summary(v) for v in summaries if v is not None]


@dataclass(frozen=True)
class PageNodes:
    """The nodes a lineage page shows, loaded together: `nodes(kind, ids)` picks them out."""

    runs: dict[str, Run]
    versions: dict[str, LineageVersion]

    def nodes(self, kind: NodeKind, ids: Iterable[str]) -> list[LineageNode]:
        """The loaded nodes for `ids` in order (ids deleted since the walk are skipped)."""
        found: dict[str, Run] | dict[str, LineageVersion] = (
            self.runs if kind is NodeKind.RUN else self.versions
        )
        return [found[i] for i in ids if i in found]


def page_nodes(details: lineage_nodes.NodeDetails, *, producers: bool) -> PageNodes:
    """Node objects for an answer whose nodes were loaded together, each built once; with
    `producers`, versions carry their producing run (loaded with them)."""
    runs_by_id = {i: Run.from_record(r) for i, r in details.runs.items()}
    versions: dict[str, LineageVersion] = {}
    for i, summary in details.versions.items():
        version = LineageVersion.from_summary(summary)
        if producers:
            version.producer_loaded = True
            if summary.producer_id is not None:
                version.producer_run = runs_by_id.get(summary.producer_id)
        versions[i] = version
    return PageNodes(runs_by_id, versions)


def node_key(node: LineageNode) -> str:
    """Our id of a loaded node (the raw id inside its global id)."""
    assert isinstance(node, Run | LineageVersion)
    return str(node.id)
