"""Which run an id in a request names: the global id the API hands out, or an id without a type.

A global id (`Run.id`, `ArtifactVersion.producedBy`, `RegistryVersion.producingRunId`) names one
run. Clients written before global ids were accepted everywhere send the stored id a global id
wraps, or the id they chose at createRun or ingestLineage; a chosen id is unique only within its
organisation (`graph.lineage.runs`), so such an id is looked for among the runs the caller may
act on (in `org` when the request names one). The stored id wins over a chosen one; an id still
naming runs of several organisations is refused as ambiguous, never guessed.
"""

from __future__ import annotations

from api.artifacts.ids import typed_node_id
from api.authz import Action, allowed
from api.context import Context
from api.lineage.ids import RAW_ID
from graph.core.errors import InvalidInput, NotFound
from graph.lineage import runs
from graph.lineage.runs import RunRecord

RUN_TYPE = "Run"


async def resolve_run(
    context: Context, value: str, action: Action, *, field: str, org: str | None = None
) -> RunRecord:
    """The run `value` names, once the caller is authorised for `action` in its organisation.

    `NotFound` when no run (of `org`, if given) has that id; `InvalidInput` for a value that is
    no run id at all, or one that names runs of several organisations the caller may act on.
    """
    stored = typed_node_id(value, (RUN_TYPE,))
    if stored is not None:
        [record] = await runs.runs_by_ids(context.graph, [stored])
        if record is None or (org is not None and record.org_name != org):
            raise NotFound(_missing(org), field=field)
        await context.authorize(action, org=record.org_name)
        return record
    if not RAW_ID.fullmatch(value):
        raise InvalidInput("Not a run id: give the run's global id", field=field)
    candidates = [
        record
        for record in await runs.runs_by_reference(context.graph, value)
        if org is None or record.org_name == org
    ]
    if not candidates:
        raise NotFound(_missing(org), field=field)
    permitted = [
        record
        for record in candidates
        if await allowed(context.caller, action, org=record.org_name)
    ]
    if not permitted:
        await context.authorize(action, org=candidates[0].org_name)  # raises its refusal
        raise NotFound(_missing(org), field=field)
    exact = [record for record in permitted if record.id == value]
    if exact:
        return exact[0]
    if len(permitted) > 1:
        raise InvalidInput(
            f"Run id {value!r} names runs in {len(permitted)} organisations; give the run's "
            "global id",
            field=field,
        )
    return permitted[0]


def _missing(org: str | None) -> str:
    return "Run not found" if org is None else f"Run not found in {org}"
