"""`ingestLineage`: bulk import of runs and edges, one atomic and retry-safe batch per call."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import UserError, mutation_errors
from api.lineage.compact import compact_edges, compact_runs
from api.lineage.mutations import _json_object
from graph.lineage.ingest import MAX_BATCH_EDGES, MAX_BATCH_RUNS, IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState


@strawberry.input(description="A run to import; matched on `id` when it exists already.")
class IngestRunInput:
    id: str
    job_type: str
    name: str | None = None
    state: RunState = RunState.FINISHED
    author: str | None = None
    config: JSON | None = None
    summary: JSON | None = None
    tags: list[str] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@strawberry.input(description="An edge to import, between a run and a COMMITTED version.")
class IngestEdgeInput:
    run: str = strawberry.field(description="Run id (in this batch or stored).")
    version: str = strawberry.field(
        description="Version id, or `[[org/]project/]name:alias|vN` resolved at import time."
    )
    kind: EdgeKind
    at: datetime | None = None


@strawberry.input(
    description="One batch: typed `runs`/`edges` and/or the same as compact JSON rows (much "
    "faster to parse for big imports; see the field descriptions)."
)
class IngestLineageInput:
    organization: str
    project: str
    runs: list[IngestRunInput] = strawberry.field(default_factory=list)
    edges: list[IngestEdgeInput] = strawberry.field(default_factory=list)
    compact_runs: JSON | None = strawberry.field(
        default=None,
        description="Objects with the fields of IngestRunInput; times in epoch ms or ISO 8601.",
    )
    compact_edges: JSON | None = strawberry.field(
        default=None,
        description='Rows [runId, version, "CONSUMED"|"PRODUCED", at (epoch ms, ISO 8601 '
        "or null)].",
    )


@strawberry.type
class IngestLineagePayload:
    runs_created: int = 0
    runs_existing: int = 0
    edges_created: int = 0
    edges_existing: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description=f"Import up to {MAX_BATCH_RUNS} runs and {MAX_BATCH_EDGES} edges into a "
        "project in one transaction. Safe to retry: stored runs and edges are kept as they are."
    )
    @mutation_errors(IngestLineagePayload)
    async def ingest_lineage(
        self, info: Info[Context, None], input: IngestLineageInput
    ) -> IngestLineagePayload:
        await info.context.authorize(Action.WRITE, org=input.organization)
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
