"""`ingestLineage`: bulk import of runs and edges, one atomic and retry-safe batch per call.

A batch names runs by the ids their organisation chose and versions by stored id or path; edges
may also name a stored run or version by the global id the API handed out (`Run.id`,
`ArtifactVersion.id`, `LineageVersion.id`), translated here before the batch is imported.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts.ids import SAME_OBJECT, typed_node_id
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.lineage.compact import compact_edges, compact_runs
from api.lineage.mutations import _json_object
from api.lineage.run_refs import RUN_TYPE
from graph.core.errors import InvalidInput, NotFound
from graph.lineage.ingest import MAX_BATCH_EDGES, MAX_BATCH_RUNS, IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState, runs_by_ids


@strawberry.input(description="A run to import; matched on `id` when it exists already.")
class IngestRunInput:
    id: str = strawberry.field(
        description="The run's id in the organisation (as createRun's `id`), 8-64 letters, "
        "digits, `_` or `-`: a stored run with this id is kept as it is; CONFLICT when it "
        "exists in another project of the organisation. Other organisations' ids do not matter."
    )
    job_type: str = strawberry.field(
        description="What kind of job it is: 1-128 letters, digits, `_`, `-` or `.`."
    )
    name: str | None = strawberry.field(
        default=None, description="1-256 printable characters; null derives one from jobType."
    )
    state: RunState = strawberry.field(
        default=RunState.FINISHED, description="Its state; a RUNNING run has no finishedAt."
    )
    author: str | None = strawberry.field(
        default=None, description="Who ran it (1-256 printable characters); null when unknown."
    )
    config: JSON | None = strawberry.field(
        default=None, description="Hyperparameters and settings: a JSON object, at most 256 KiB."
    )
    summary: JSON | None = strawberry.field(
        default=None, description="Results: a JSON object, at most 256 KiB."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Labels (at most 64, each up to 64 characters)."
    )
    started_at: datetime | None = strawberry.field(
        default=None, description="When it started, with a timezone; null means now."
    )
    finished_at: datetime | None = strawberry.field(
        default=None,
        description="When it ended, with a timezone: required for FINISHED, FAILED and "
        "CRASHED, null for RUNNING (INVALID_INPUT otherwise).",
    )


@strawberry.input(description="An edge to import, between a run and a COMMITTED version.")
class IngestEdgeInput:
    run: str = strawberry.field(
        description="The run: its `id` in this batch or the id the organisation chose for a "
        "stored run, or a stored run's global id (`Run.id`)."
    )
    version: str = strawberry.field(
        description="The version: its global id (`ArtifactVersion.id` or `LineageVersion.id`) "
        "or stored id, or `[[org/]project/]name:alias|vN` resolved at import time."
    )
    kind: EdgeKind = strawberry.field(
        description="CONSUMED (the run read the version) or PRODUCED (the run wrote it)."
    )
    at: datetime | None = strawberry.field(
        default=None, description="When it happened, with a timezone; null means now."
    )


@strawberry.input(
    description="One batch: typed `runs`/`edges` and/or the same as compact JSON rows (much "
    "faster to parse for big imports; see the field descriptions)."
)
class IngestLineageInput:
    organization: str = strawberry.field(description="The organisation's name.")
    project: str = strawberry.field(description="The project's name; runs are imported into it.")
    runs: list[IngestRunInput] = strawberry.field(
        default_factory=list,
        description=f"Runs to import; with `compactRuns` at most {MAX_BATCH_RUNS} in all "
        "(LIMIT_EXCEEDED beyond).",
    )
    edges: list[IngestEdgeInput] = strawberry.field(
        default_factory=list,
        description=f"Edges to import; with `compactEdges` at most {MAX_BATCH_EDGES} in all "
        "(LIMIT_EXCEEDED beyond).",
    )
    compact_runs: JSON | None = strawberry.field(
        default=None,
        description="Objects with the fields of IngestRunInput; times in epoch ms or ISO 8601.",
    )
    compact_edges: JSON | None = strawberry.field(
        default=None,
        description='Rows [runId, version, "CONSUMED"|"PRODUCED", at (epoch ms, ISO 8601 '
        "or null)].",
    )


@strawberry.type(description="What one ingestLineage batch stored.")
class IngestLineagePayload:
    runs_created: int = strawberry.field(default=0, description="Runs new to the project.")
    runs_existing: int = strawberry.field(
        default=0, description="Runs already stored (kept as they were)."
    )
    edges_created: int = strawberry.field(default=0, description="Edges newly recorded.")
    edges_existing: int = strawberry.field(
        default=0, description="Edges already recorded (kept as they were)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Bulk import of lineage.")
class IngestMutation:
    @strawberry.mutation(
        description=f"Import up to {MAX_BATCH_RUNS} runs and {MAX_BATCH_EDGES} edges into a "
        "project in one transaction. Safe to retry: stored runs and edges are kept as they are."
    )
    @mutation_errors(IngestLineagePayload)
    async def ingest_lineage(
        self, info: Info[Context, None], input: Input[IngestLineageInput]
    ) -> IngestLineagePayload:
        await info.context.authorize(Action.WRITE, org=input.organization)
        for i, run in enumerate(input.runs):
            _aware(run.started_at, f"runs[{i}]", "startedAt")
            _aware(run.finished_at, f"runs[{i}]", "finishedAt")
        runs = [
            IngestRun(
                id=run.id,
                job_type=run.job_type,
                name=run.name,
                state=run.state,
                author=run.author,
                config=_json_object(run.config, "config"),
                summary=_json_object(run.summary, "summary"),
                tags=tuple(run.tags or ()),
                started_at=run.started_at,
                finished_at=run.finished_at,
            )
            for run in input.runs
        ]
        edges = [IngestEdge(e.run, e.version, e.kind, e.at) for e in input.edges]
        if input.compact_runs is not None:
            runs += compact_runs(input.compact_runs)
        if input.compact_edges is not None:
            edges += compact_edges(input.compact_edges)
        edges = await _batch_ids(info.context, input.organization, runs, edges)
        result = await ingest(
            info.context.graph,
            input.organization,
            input.project,
            runs,
            edges,
            actor=info.context.caller.name,
        )
        return IngestLineagePayload(
            runs_created=result.runs_created,
            runs_existing=result.runs_existing,
            edges_created=result.edges_created,
            edges_existing=result.edges_existing,
        )


async def _batch_ids(
    context: Context, org: str, runs: list[IngestRun], edges: list[IngestEdge]
) -> list[IngestEdge]:
    """The edges with every global id replaced by what a batch names: a stored run by the id its
    organisation chose, a version by its stored id. A run's global id from another organisation
    is NOT_FOUND, as an unknown one."""
    batch_ids = {run.id for run in runs}
    stored: dict[str, str] = {}
    for edge in edges:
        if edge.run_id not in batch_ids and edge.run_id not in stored:
            found = typed_node_id(edge.run_id, (RUN_TYPE,))
            if found is not None:
                stored[edge.run_id] = found
    chosen: dict[str, str] = {}
    if stored:
        records = await runs_by_ids(context.graph, sorted(set(stored.values())))
        by_id = {r.id: r.client_id for r in records if r is not None and r.org_name == org}
        for given, run_id in stored.items():
            if run_id not in by_id:
                raise NotFound(f"Run {given} not found in {org}", field="edges")
            chosen[given] = by_id[run_id]
    versions: dict[str, str] = {}
    for edge in edges:
        value = edge.version
        if value not in versions and ":" not in value:
            found = typed_node_id(value, SAME_OBJECT["ArtifactVersion"])
            if found is not None:
                versions[value] = found
    if not chosen and not versions:
        return edges
    return [
        replace(
            edge,
            run_id=chosen.get(edge.run_id, edge.run_id),
            version=versions.get(edge.version, edge.version),
        )
        for edge in edges
    ]


def _aware(value: datetime | None, where: str, field: str) -> None:
    """Run times are instants, compared (an end before its start is refused) and stored as
    epoch milliseconds: a time without a timezone is neither, so it is refused first."""
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{where}: {field} needs a timezone", field=field)
