"""Lineage mutations: create, update and finish runs; record CONSUMED and PRODUCED edges.

Each takes one input and returns a payload with `errors` (stable codes); writes happen in one
transaction, so a refused request changes nothing.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.lineage.ids import node_id
from api.lineage.nodes import LineageVersion, Run, lineage_nodes_of
from api.lineage.registry_refs import is_registry_ref, registry_source_version
from api.lineage.run_refs import resolve_run
from graph.core.errors import InvalidInput
from graph.core.refs import parse_version_path
from graph.lineage import edges as lineage_edges
from graph.lineage import runs
from graph.lineage.model import NodeKind
from graph.lineage.runs import NewRun, RunChange, RunState

RUN_ID = (
    "The run's global id (`Run.id`); its stored id, or the id chosen at createRun, is taken too "
    "while it names one run the caller may write to (INVALID_INPUT when it names several). "
    "NOT_FOUND if none."
)


@strawberry.input(description="A new run; the caller is recorded as its author.")
class CreateRunInput:
    organization: str = strawberry.field(description="The organisation's name.")
    project: str = strawberry.field(description="The project's name.")
    job_type: str = strawberry.field(
        description="What kind of job it is (`train`, `eval`, ...): 1-128 letters, digits, `_`, "
        "`-` or `.`."
    )
    name: str | None = strawberry.field(
        default=None,
        description="Shown to people: 1-256 printable characters; null names it "
        "`<jobType>-<first 8 characters of its id>`.",
    )
    config: JSON | None = strawberry.field(
        default=None,
        description="Hyperparameters and settings: a JSON object, at most 256 KiB "
        "(METADATA_TOO_LARGE beyond).",
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Labels (at most 64, each up to 64 characters)."
    )
    id: str | None = strawberry.field(
        default=None,
        description="Optional client-chosen id (8-64 letters, digits, _ or -), unique in the "
        "organisation: a retried create then fails with ALREADY_EXISTS instead of making a "
        "second run. Other organisations may choose the same id; `Run.id` is the run's global "
        "id.",
    )


@strawberry.type(description="The result of a run mutation.")
class RunPayload:
    run: Run | None = strawberry.field(
        default=None, description="The run as it is now; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="Changes to a run; null fields stay as they are.")
class UpdateRunInput:
    id: strawberry.ID = strawberry.field(description=RUN_ID)
    name: str | None = strawberry.field(
        default=None, description="New name: 1-256 printable characters."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Replaces the tags (at most 64); [] clears them."
    )
    config: JSON | None = strawberry.field(
        default=None, description="Merged into the config: top-level keys replace, null removes."
    )
    summary: JSON | None = strawberry.field(
        default=None, description="Merged into the summary: top-level keys replace, null removes."
    )


@strawberry.input(description="How a run ended.")
class FinishRunInput:
    id: strawberry.ID = strawberry.field(description=RUN_ID)
    state: RunState = strawberry.field(
        default=RunState.FINISHED,
        description="FINISHED, FAILED or CRASHED; RUNNING is INVALID_INPUT.",
    )
    summary: JSON | None = strawberry.field(
        default=None,
        description="Merged into the summary: top-level keys replace, null removes (a JSON "
        "object, at most 256 KiB in all).",
    )
    finished_at: datetime | None = strawberry.field(
        default=None,
        description="When it ended, with a timezone; null means now. Before the start is "
        "INVALID_INPUT.",
    )


@strawberry.input(description="A version a run consumed: give exactly one of artifact and version.")
class UseArtifactInput:
    run: strawberry.ID = strawberry.field(description=RUN_ID)
    artifact: str | None = strawberry.field(
        default=None,
        description="`[[org/]project/]name[:alias|:vN]`, or a registry path "
        "`org/registry-name/collection[:alias|:vN]` (also `org/wandb-registry-name/...`) for "
        "its linked source version, which the caller must be allowed to read; resolved now "
        "(default alias `latest`).",
    )
    version: strawberry.ID | None = strawberry.field(
        default=None,
        description="Or the version's id (global id of an ArtifactVersion or LineageVersion, or "
        "its stored id).",
    )


@strawberry.type(description="The result of useArtifact or recordProduced.")
class LineageEdgePayload:
    run: Run | None = strawberry.field(default=None, description="The run; null on errors.")
    version: LineageVersion | None = strawberry.field(
        default=None, description="The version; null on errors."
    )
    at: datetime | None = strawberry.field(default=None, description="First-use / produced time.")
    created: bool = strawberry.field(
        default=False, description="False when the edge was already recorded."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A version a run produced.")
class RecordProducedInput:
    run: strawberry.ID = strawberry.field(description=RUN_ID)
    version: strawberry.ID = strawberry.field(
        description="The version's id (global id of an ArtifactVersion or LineageVersion, or its "
        "stored id); NOT_FOUND unless it is committed."
    )


async def _run_for_write(
    info: Info[Context, None], value: strawberry.ID, *, field: str
) -> runs.RunRecord:
    return await resolve_run(info.context, value, Action.WRITE, field=field)


def _json_object(value: object, field: str) -> dict[str, object] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field=field)
    return value


async def _edge_payload(
    info: Info[Context, None], edge: lineage_edges.EdgeRecord
) -> LineageEdgePayload:
    run = await runs.require_run(info.context.graph, edge.run_id)
    versions = await lineage_nodes_of(info, NodeKind.ARTIFACT_VERSION, [edge.version_id])
    version = versions[0] if versions else None
    assert version is None or isinstance(version, LineageVersion)
    return LineageEdgePayload(
        run=Run.from_record(run), version=version, at=edge.at, created=edge.created
    )


@strawberry.type(description="Mutations of runs and their lineage edges.")
class LineageMutation:
    @strawberry.mutation(
        description="Start a RUNNING run in a project (created, with its organisation, on first "
        "use)."
    )
    @mutation_errors(RunPayload)
    async def create_run(
        self, info: Info[Context, None], input: Input[CreateRunInput]
    ) -> RunPayload:
        await info.context.authorize(Action.WRITE, org=input.organization)
        new = NewRun(
            job_type=input.job_type,
            name=input.name,
            config=_json_object(input.config, "config"),
            tags=tuple(input.tags or ()),
            author=info.context.caller.name,
            id=input.id,
        ).validated()
        record = await runs.create_run(
            info.context.graph,
            input.organization,
            input.project,
            new,
            create_project=True,
            actor=info.context.caller.name,
        )
        return RunPayload(run=Run.from_record(record))

    @strawberry.mutation(description="Rename, retag, or merge keys into config and summary.")
    @mutation_errors(RunPayload)
    async def update_run(
        self, info: Info[Context, None], input: Input[UpdateRunInput]
    ) -> RunPayload:
        record = await _run_for_write(info, input.id, field="id")
        updated = await runs.update_run(
            info.context.graph,
            record.id,
            RunChange(
                name=input.name,
                tags=None if input.tags is None else tuple(input.tags),
                config=_json_object(input.config, "config"),
                summary=_json_object(input.summary, "summary"),
            ),
        )
        return RunPayload(run=Run.from_record(updated))

    @strawberry.mutation(
        description="End a run once (FINISHED, FAILED or CRASHED); ending it again with the same "
        "state is a no-op, with another state a CONFLICT."
    )
    @mutation_errors(RunPayload)
    async def finish_run(
        self, info: Info[Context, None], input: Input[FinishRunInput]
    ) -> RunPayload:
        record = await _run_for_write(info, input.id, field="id")
        updated = await runs.update_run(
            info.context.graph,
            record.id,
            RunChange(
                summary=_json_object(input.summary, "summary"),
                state=input.state,
                finished_at=input.finished_at,
            ),
            actor=info.context.caller.name,
        )
        return RunPayload(run=Run.from_record(updated))

    @strawberry.mutation(
        description="Record that a run consumed a version (once; the first use time is kept). "
        "CYCLE when the run already leads to that version."
    )
    @mutation_errors(LineageEdgePayload)
    async def use_artifact(
        self, info: Info[Context, None], input: Input[UseArtifactInput]
    ) -> LineageEdgePayload:
        record = await _run_for_write(info, input.run, field="run")
        if (input.artifact is None) == (input.version is None):
            raise InvalidInput("Give either `artifact` or `version`", field="artifact")
        ref = None
        version_id = None
        named = None
        if input.artifact is not None and is_registry_ref(input.artifact):
            version_id = await registry_source_version(info, input.artifact, field="artifact")
            named = input.artifact
        elif input.artifact is not None:
            ref = parse_version_path(
                input.artifact,
                org=record.org_name,
                project=record.project_name,
                field="artifact",
            )
            if ref.artifact.org != record.org_name:
                await info.context.authorize(Action.READ, org=ref.artifact.org)
        else:
            assert input.version is not None
            version_id = node_id(input.version, field="version")
        edge = await lineage_edges.use_artifact(
            info.context.graph,
            record.id,
            ref=ref,
            version_id=version_id,
            named=named,
            actor=info.context.caller.name,
        )
        return await _edge_payload(info, edge)

    @strawberry.mutation(
        description="Record that a run produced an existing version (a version has one producer: "
        "CONFLICT otherwise; CYCLE when the version already leads to the run)."
    )
    @mutation_errors(LineageEdgePayload)
    async def record_produced(
        self, info: Info[Context, None], input: Input[RecordProducedInput]
    ) -> LineageEdgePayload:
        record = await _run_for_write(info, input.run, field="run")
        edge = await lineage_edges.record_produced(
            info.context.graph,
            record.id,
            node_id(input.version, field="version"),
            actor=info.context.caller.name,
        )
        return await _edge_payload(info, edge)
