"""Recording OpenLineage events: runs, their dataset versions, CONSUMED/PRODUCED edges and
parent runs, a batch per transaction.

A batch of one organisation is one write transaction under the organisation's lineage lock (as
`graph.lineage.ingest`), so concurrent producers serialise and a batch is all or nothing. It is
idempotent: a run is found by the id OpenLineage gave it (`runId`, the run's `client_id` in its
organisation), an event whose (runId, eventType, eventTime) the run already holds is a
`duplicate` and changes nothing, and everything else is a function of the set of events seen
(`openlineage_model.run_times`, `graph.core.facets.merge_facets`, versions by identity), so
the same events in any order, any number of times, give the same graph (only the `vN` numbers
of a dataset follow arrival order).

Refused per event, the others stored: an event naming a run that was not recorded from
OpenLineage (CONFLICT), and an event whose edges would close a cycle (CYCLE: the batch is
rolled back and applied again an event at a time in event-time order, so the event refused is
the one that closed the cycle). Events are
recorded in the event log as by the rest of the wing: RUN_STARTED, RUN_FINISHED,
LINEAGE_EDGE_ADDED, and by `graph.artifacts` VERSION_CREATED and the `latest` moves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.artifacts import (
    DatasetVersion,
    StoredVersion,
    edge_event,
    ensure_dataset_versions_tx,
)
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.events import EventType, record_events_tx
from graph.core.facets import canonical_json, decode_facets, merge_facets
from graph.core.values import new_id, now
from graph.lineage.edges import cycle_error
from graph.lineage.events import record_run_events_tx
from graph.lineage.ingest import find_cycle_tx
from graph.lineage.model import EdgeKind
from graph.lineage.openlineage_cypher import (
    CREATE_RUNS,
    EXISTING_RUNS,
    LINK_PARENTS,
    LOCK_ORG,
    UPDATE_RUNS,
    WRITE_EDGES,
)
from graph.lineage.openlineage_model import (
    OlDatasetEvent,
    OlJob,
    OlOutcome,
    OlRunEvent,
    RunTimes,
    run_times,
)
from graph.lineage.runs import RunState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _CycleFound(Exception):
    """Rolls a batch back: the events that made an edge closing a cycle, and why."""

    def __init__(self, indexes: list[int], message: str) -> None:
        super().__init__(message)
        self.indexes = indexes
        self.message = message


def _micros(value: datetime) -> int:
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


@dataclass
class _RunPlan:
    """What the batch makes of one run."""

    client_id: str
    job: OlJob
    keys: list[str]
    times: RunTimes
    openlineage: dict[str, Any]
    stored: dict[str, Any] | None
    id: str = ""
    element_id: str = ""
    before: RunState | None = None
    before_finished: int | None = None
    org: tuple[str, str] = ("", "")
    """(name, id) of the organisation, set when the batch writes."""

    def event_row(self, org: str, org_id: str) -> dict[str, Any]:
        """The run as `graph.lineage.events` and `edge_event` name it (`runs.RUN_FIELDS`)."""
        project = self.stored["project"] if self.stored is not None else self.job.project
        return {
            "id": self.id,
            "client_id": self.client_id,
            "org_id": org_id,
            "org_name": org,
            "project_name": project,
            "name": self.job.run_name,
            "job_type": self.job.job_type,
            "state": self.times.state.value,
            "started_at": _micros(self.times.started_at),
            "finished_at": None
            if self.times.finished_at is None
            else _micros(self.times.finished_at),
        }

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "eid": self.element_id,
            "client_id": self.client_id,
            "project": self.job.project,
            "project_id": new_id(),
            "name": self.job.run_name,
            "job_type": self.job.job_type,
            "state": self.times.state.value,
            "started_us": _micros(self.times.started_at),
            "finished_us": None
            if self.times.finished_at is None
            else _micros(self.times.finished_at),
            "openlineage": canonical_json(self.openlineage),
            "events": self.keys,
        }


def _job_json(job: OlJob) -> dict[str, Any]:
    return {"namespace": job.namespace, "name": job.name, "project": job.project}


def _stored_job(stored: dict[str, Any]) -> OlJob:
    ol = decode_facets(stored["openlineage"]) or {}
    job: dict[str, str] = ol.get("job") or {}
    return OlJob(
        project=stored["project"],
        namespace=job.get("namespace", ""),
        name=job.get("name", ""),
        run_name=stored["name"],
        job_type=stored["job_type"],
    )


def _plan_runs(
    accepted: list[OlRunEvent], stored: dict[str, dict[str, Any]]
) -> dict[str, _RunPlan]:
    own: dict[str, list[OlRunEvent]] = defaultdict(list)
    named: dict[str, list[tuple[datetime, OlJob]]] = defaultdict(list)
    for event in accepted:
        own[event.run_id].append(event)
        if event.parent is not None:
            named[event.parent.run_id].append((event.time, event.parent.job))
    plans: dict[str, _RunPlan] = {}
    for client_id in sorted(set(own) | set(named)):
        row = stored.get(client_id)
        stored_keys: list[str] = list((row or {}).get("events") or [])
        events = sorted(own.get(client_id, []), key=lambda e: (e.time, e.type.value))
        keys = sorted(set(stored_keys) | {e.key for e in events})
        if not keys:  # named as a parent only, so far
            times = [t for t, _ in named[client_id]]
            if row is not None:
                times.append(_from_micros(row["started_us"]) or now())
            job = (
                _stored_job(row)
                if row is not None
                else min(named[client_id], key=lambda n: (n[0], n[1].namespace, n[1].name))[1]
            )
            plan_times = run_times((), named_at=min(times))
        else:
            plan_times = run_times(keys)
            if row is not None and stored_keys and (not events or row_first(stored_keys, events)):
                job = _stored_job(row)
            else:
                job = events[0].job if events else _stored_job(row or {})
        openlineage = decode_facets((row or {}).get("openlineage")) or {}
        run_facets, job_facets = openlineage.get("run"), openlineage.get("jobFacets")
        for event in events:
            run_facets = merge_facets(run_facets, event.run_facets, event.time)
            job_facets = merge_facets(job_facets, event.job_facets, event.time)
        plans[client_id] = _RunPlan(
            client_id=client_id,
            job=job,
            keys=keys,
            times=plan_times,
            openlineage={
                "job": _job_json(job),
                "run": run_facets or {"facets": {}, "times": {}},
                "jobFacets": job_facets or {"facets": {}, "times": {}},
            },
            stored=row,
        )
    return plans


def row_first(stored_keys: list[str], events: list[OlRunEvent]) -> bool:
    """Whether the run's earliest event is one it already held (its job then stays)."""
    return min(stored_keys) <= min(e.key for e in events)


@dataclass
class _Edges:
    rows: dict[EdgeKind, dict[tuple[str, str], dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in EdgeKind}
    )

    def add(
        self, kind: EdgeKind, run: _RunPlan, version: StoredVersion, at: datetime, index: int
    ) -> None:
        key = (run.id, version.id)
        row = self.rows[kind].get(key)
        if row is None:
            self.rows[kind][key] = {
                "run": run.id,
                "rid": run.element_id,
                "version": version.id,
                "eid": version.element_id,
                "at": _micros(at),
                "events": [index],
                "names": version.names,
            }
        else:
            row["at"] = min(row["at"], _micros(at))
            row["events"].append(index)


def _screen(
    run_events: list[OlRunEvent], stored: dict[str, dict[str, Any]]
) -> tuple[list[OlRunEvent], list[OlOutcome]]:
    """The events to apply, and the outcomes of the others (duplicates, CONFLICT)."""
    outcomes: list[OlOutcome] = []
    accepted: list[OlRunEvent] = []
    keys: dict[str, set[str]] = {
        client_id: set(row["events"] or []) for client_id, row in stored.items()
    }
    for event in run_events:
        for client_id in (event.run_id, None if event.parent is None else event.parent.run_id):
            row = None if client_id is None else stored.get(client_id)
            if row is not None and row["openlineage"] is None:
                outcomes.append(
                    OlOutcome(
                        event.index,
                        "refused",
                        "CONFLICT",
                        f"Run id {client_id} names a run not recorded from OpenLineage",
                    )
                )
                break
        else:
            seen = keys.setdefault(event.run_id, set())
            if event.key in seen:
                outcomes.append(OlOutcome(event.index, "duplicate"))
            else:
                seen.add(event.key)
                accepted.append(event)
    return accepted, outcomes


async def _write_runs_tx(
    tx: AsyncManagedTransaction, org_id: str, plans: dict[str, _RunPlan]
) -> list[str]:
    """Create and update the planned runs; returns the stored ids of the created ones."""
    creates = [plan for plan in plans.values() if plan.stored is None]
    updates: list[_RunPlan] = []
    for plan in plans.values():
        if plan.stored is None:
            plan.id = new_id()
            continue
        plan.id, plan.element_id = plan.stored["id"], plan.stored["eid"]
        plan.before = RunState(plan.stored["state"])
        plan.before_finished = plan.stored["finished_us"]
        row = plan.row()
        changed = (
            row["events"] != list(plan.stored["events"] or [])
            or row["started_us"] != plan.stored["started_us"]
            or row["finished_us"] != plan.stored["finished_us"]
            or row["state"] != plan.stored["state"]
            or row["name"] != plan.stored["name"]
            or row["openlineage"] != plan.stored["openlineage"]
        )
        if changed:
            updates.append(plan)
    if creates:
        record = await (
            await tx.run(
                CREATE_RUNS, org_id=org_id, now=now(), runs=[plan.row() for plan in creates]
            )
        ).single(strict=True)
        for client_id, element_id in record["created"]:
            plans[client_id].element_id = element_id
    if updates:
        await tx.run(UPDATE_RUNS, now=now(), runs=[plan.row() for plan in updates])
    return [plan.id for plan in creates]


async def _record_run_events_tx(
    tx: AsyncManagedTransaction, plans: dict[str, _RunPlan], created: list[str], actor: str
) -> None:
    ended = [
        plan.id
        for plan in plans.values()
        if plan.times.state is not RunState.RUNNING
        and (
            plan.before is not plan.times.state
            or plan.before_finished != _micros(plan.times.finished_at or EPOCH)
        )
    ]
    if not created and not ended:
        return
    org, org_id = next(iter(plans.values())).org
    rows = {plan.id: plan.event_row(org, org_id) for plan in plans.values()}
    await record_run_events_tx(
        tx, type=EventType.RUN_STARTED, runs=[rows[i] for i in created], actor=actor
    )
    await record_run_events_tx(
        tx, type=EventType.RUN_FINISHED, runs=[rows[i] for i in ended], actor=actor
    )


async def _ingest_tx(
    tx: AsyncManagedTransaction,
    org: str,
    run_events: list[OlRunEvent],
    dataset_events: list[OlDatasetEvent],
    actor: str,
) -> list[OlOutcome]:
    locked = await (await tx.run(LOCK_ORG, org=org)).single()
    if locked is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    org_id: str = locked["org_id"]
    wanted = {e.run_id for e in run_events} | {
        e.parent.run_id for e in run_events if e.parent is not None
    }
    record = await (await tx.run(EXISTING_RUNS, ids=sorted(wanted), org_id=org_id)).single(
        strict=True
    )
    stored = {row["client_id"]: row for row in record["runs"]}
    accepted, outcomes = _screen(run_events, stored)
    datasets: list[DatasetVersion] = [
        d for event in accepted for d in (*event.inputs, *event.outputs)
    ] + [d for event in dataset_events for d in event.datasets]
    versions = await ensure_dataset_versions_tx(tx, org_id=org_id, versions=datasets, actor=actor)
    plans = _plan_runs(accepted, stored)
    for plan in plans.values():
        plan.org = (org, org_id)
    created_runs = await _write_runs_tx(tx, org_id, plans)
    edges = _Edges()
    links: set[tuple[str, str]] = set()
    for event in accepted:
        run = plans[event.run_id]
        for kind, side in ((EdgeKind.CONSUMED, event.inputs), (EdgeKind.PRODUCED, event.outputs)):
            for dataset in side:
                edges.add(kind, run, versions[dataset.key], event.time, event.index)
        if event.parent is not None:
            links.add((run.element_id, plans[event.parent.run_id].element_id))
    fresh: dict[EdgeKind, list[dict[str, Any]]] = {}
    for kind, by_key in edges.rows.items():
        rows = [dict(row, i=i) for i, row in enumerate(by_key.values())]
        fresh[kind] = []
        if rows:
            result = await (await tx.run(WRITE_EDGES[kind], edges=rows)).single(strict=True)
            created = set(result["created"])
            fresh[kind] = [row for row in rows if row["i"] in created]
    if links:
        await tx.run(LINK_PARENTS, links=[{"child": c, "parent": p} for c, p in sorted(links)])
    cycle = await find_cycle_tx(tx, fresh)
    if cycle is not None:
        row = edges.rows[cycle[0]][(cycle[1], cycle[2])]
        raise _CycleFound(sorted(set(row["events"])), cycle_error(*cycle).message)
    await _record_run_events_tx(tx, plans, created_runs, actor)
    runs = {plan.id: plan.event_row(org, org_id) for plan in plans.values()}
    await record_events_tx(
        tx,
        org_id=org_id,
        actor=actor,
        events=[
            edge_event(kind.value, runs[row["run"]], row["names"])
            for kind, rows in fresh.items()
            for row in rows
        ],
    )
    outcomes += [OlOutcome(event.index, "stored") for event in accepted]
    outcomes += [OlOutcome(event.index, "stored") for event in dataset_events]
    return outcomes


async def ingest_openlineage(
    graph: Graph,
    org: str,
    run_events: list[OlRunEvent],
    dataset_events: list[OlDatasetEvent],
    *,
    actor: str = "",
) -> list[OlOutcome]:
    """Record one organisation's events atomically (see the module docstring); one outcome per
    event, by index. `NotFound` when the organisation does not exist."""
    try:
        outcomes = await graph.write(_ingest_tx, org, run_events, dataset_events, actor)
    except _CycleFound:
        return await _one_by_one(graph, org, run_events, dataset_events, actor)
    return sorted(outcomes, key=lambda outcome: outcome.index)


async def _one_by_one(
    graph: Graph,
    org: str,
    run_events: list[OlRunEvent],
    dataset_events: list[OlDatasetEvent],
    actor: str,
) -> list[OlOutcome]:
    """A batch that would close a cycle, applied an event at a time in event-time order, so the
    event refused is the one that closed it, whatever order the batch listed them in."""
    outcomes = await graph.write(_ingest_tx, org, [], dataset_events, actor)
    for event in sorted(run_events, key=lambda e: (e.time, e.index)):
        try:
            outcomes += await graph.write(_ingest_tx, org, [event], [], actor)
        except _CycleFound as found:
            outcomes.append(OlOutcome(event.index, "refused", "CYCLE", found.message))
    return sorted(outcomes, key=lambda outcome: outcome.index)


def describe(outcomes: list[OlOutcome]) -> dict[str, int]:
    """How many events were stored, duplicates and refused."""
    counts = {"stored": 0, "duplicate": 0, "refused": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts
