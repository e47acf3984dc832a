"""`ingestLineage`: bulk import of runs and edges, one atomic and retry-safe batch per call."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.lineage.compact import compact_edges, compact_runs
from api.lineage.mutations import _json_object
from graph.core.errors import InvalidInput
from graph.lineage.ingest import MAX_BATCH_EDGES, MAX_BATCH_RUNS, IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState


@strawberry.input(description="A run to import; matched on `id` when it exists already.")
class IngestRunInput:
    id: str = strawberry.field(
        description="The run's stored id, 8-64 letters, digits, `_` or `-`; CONFLICT when it "
        "exists in another project."
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
    run: str = strawberry.field(description="Run id (in this batch or stored).")
    version: str = strawberry.field(
        description="Version id, or `[[org/]project/]name:alias|vN` resolved at import time."
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
        result = await ingest(info.context.graph, input.organization, input.project, runs, edges)
        return IngestLineagePayload(
            runs_created=result.runs_created,
            runs_existing=result.runs_existing,
            edges_created=result.edges_created,
            edges_existing=result.edges_existing,
        )


def _aware(value: datetime | None, where: str, field: str) -> None:
    """Run times are instants, compared (an end before its start is refused) and stored as
    epoch milliseconds: a time without a timezone is neither, so it is refused first."""
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{where}: {field} needs a timezone", field=field)
