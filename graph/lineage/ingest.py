"""Bulk import of existing lineage history: runs and their CONSUMED/PRODUCED edges, by batch.

A batch is one write transaction (all or nothing) under the organisation's lineage lock (see
`graph.lineage.edges`), so retrying a batch after a timeout is safe: runs are matched on the id
the organisation chose for them (`client_id`, see `graph.lineage.runs`; another organisation's
choice of the same id is another run) and left as they are, edges already present are kept (a
CONSUMED edge keeps the earlier of the two first-use times). Versions are referred to by id or
by `[[org/]project/]name:alias|vN` and must be COMMITTED in the same organisation. The same rules
as single edges apply, at batch granularity: one producer per version, and no cycle. The cycle
check is exact: after all writes of the batch, every new edge that could lie on a cycle (see
`graph.lineage.ingest_cypher`) gets the shortest-path test against the graph including the whole
batch; an import in topological order (inputs before outputs) has no such edge and pays nothing
for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts import RESOLVE_MANY, EdgeKey, record_edge_events_tx, ref_row
from graph.core.driver import Graph
from graph.core.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from graph.core.events import EventType
from graph.core.names import validate_name
from graph.core.refs import parse_version_path
from graph.core.validation import validate_tags
from graph.core.values import new_id, now
from graph.lineage.edges import cycle_error
from graph.lineage.events import record_run_events_tx
from graph.lineage.ingest_cypher import (
    CONSUMED_VERSIONS,
    CREATE_EDGES,
    CREATE_RUNS,
    CYCLE_OF_EDGES,
    EXISTING_RUNS,
    LOCK_PROJECT,
    RUNS_WITH_CONSUMED_OUTPUTS,
    VERSIONS_BY_ID,
    WRITE_EDGES,
)
from graph.lineage.model import EdgeKind
from graph.lineage.runs import (
    RUNS_BY_ID,
    TERMINAL_STATES,
    RunState,
    collected_tx,
    encode_json,
    validate_run_id,
    validate_text,
)

MAX_BATCH_RUNS = 10_000
MAX_BATCH_EDGES = 20_000
VERSION_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class IngestRun:
    id: str
    job_type: str
    name: str | None = None
    state: RunState = RunState.FINISHED
    author: str | None = None
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    tags: tuple[str, ...] = ()
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class IngestEdge:
    run_id: str
    version: str
    kind: EdgeKind
    at: datetime | None = None


@dataclass(frozen=True)
class IngestResult:
    runs_created: int
    runs_existing: int
    edges_created: int
    edges_existing: int
    run_ids: dict[str, str] = field(default_factory=dict[str, str], compare=False)
    """The stored id of every run of the batch and of its edges, by the id the batch named it."""


@dataclass
class _Batch:
    """What one batch learnt about the store inside its transaction."""

    org_id: str
    project_id: str
    versions: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (id, element id)
    producers: dict[str, str] = field(default_factory=dict)  # version id -> run id
    existing_runs: dict[str, str] = field(default_factory=dict)  # client id -> project id
    run_ids: dict[str, str] = field(default_factory=dict)  # client id -> run id (stored or new)


def _validate(runs: list[IngestRun], edges: list[IngestEdge]) -> None:
    if len(runs) > MAX_BATCH_RUNS:
        raise LimitExceeded(f"at most {MAX_BATCH_RUNS} runs per batch", field="runs")
    if len(edges) > MAX_BATCH_EDGES:
        raise LimitExceeded(f"at most {MAX_BATCH_EDGES} edges per batch", field="edges")
    ids: set[str] = set()
    for i, run in enumerate(runs):
        where = f"runs[{i}]"
        validate_run_id(run.id)
        if run.id in ids:
            raise InvalidInput(f"{where}: run id {run.id} appears twice in the batch", field="runs")
        ids.add(run.id)
        validate_name(run.job_type, field="jobType")
        for text, name in ((run.name, "name"), (run.author, "author")):
            if text is not None:
                validate_text(text, field=name)
        validate_tags(run.tags)
        if run.state in TERMINAL_STATES and run.finished_at is None:
            raise InvalidInput(f"{where}: an ended run needs finishedAt", field="runs")
        if run.state is RunState.RUNNING and run.finished_at is not None:
            raise InvalidInput(f"{where}: a RUNNING run has no finishedAt", field="runs")
        start = run.started_at
        if start is not None and run.finished_at is not None and run.finished_at < start:
            raise InvalidInput(f"{where}: finishedAt is before startedAt", field="runs")
    for edge in edges:
        validate_run_id(edge.run_id)


def _version_refs(edges: list[IngestEdge], org: str, project: str) -> dict[str, dict[str, Any]]:
    refs: dict[str, dict[str, Any]] = {}
    for edge in edges:
        if edge.version in refs or VERSION_ID.fullmatch(edge.version):
            continue
        ref = parse_version_path(edge.version, org=org, project=project, field="edges")
        refs[edge.version] = ref_row(edge.version, ref)
    return refs


async def _resolve_versions_tx(
    tx: AsyncManagedTransaction, batch: _Batch, edges: list[IngestEdge], org: str, project: str
) -> None:
    ids = sorted({e.version for e in edges if VERSION_ID.fullmatch(e.version)})
    refs = _version_refs(edges, org, project)
    lookups: list[tuple[LiteralString, dict[str, Any]]] = []
    if ids:
        lookups.append((VERSIONS_BY_ID, {"ids": ids}))
    if refs:
        lookups.append((RESOLVE_MANY, {"refs": list(refs.values())}))
    for query, params in lookups:
        record = await (await tx.run(query, params)).single(strict=True)
        for key, version_id, element_id, org_id, producer in record["found"]:
            if org_id != batch.org_id:
                raise InvalidInput(f"Version {key} belongs to another organisation", field="edges")
            batch.versions[key] = (version_id, element_id)
            if producer is not None:
                batch.producers[version_id] = producer
    missing = [v for v in [*ids, *refs] if v not in batch.versions]
    if missing:
        raise NotFound(f"No committed artifact version {missing[0]}", field="edges")


async def _check_runs_tx(
    tx: AsyncManagedTransaction, batch: _Batch, runs: list[IngestRun], edges: list[IngestEdge]
) -> list[IngestRun]:
    """The runs of the batch not stored yet (given their new ids in `batch.run_ids`); refuses
    ids of the organisation's other projects and runs neither in the batch nor stored."""
    wanted = sorted({r.id for r in runs} | {e.run_id for e in edges})
    record = await (await tx.run(EXISTING_RUNS, ids=wanted, org_id=batch.org_id)).single(
        strict=True
    )
    for client_id, run_id, project_id in record["found"]:
        batch.existing_runs[client_id] = project_id
        batch.run_ids[client_id] = run_id
    for run in runs:
        found = batch.existing_runs.get(run.id)
        if found is not None and found != batch.project_id:
            raise Conflict(f"Run id {run.id} already exists in another project", field="runs")
    batch_ids = {r.id for r in runs}
    for edge in edges:
        if edge.run_id not in batch.existing_runs and edge.run_id not in batch_ids:
            raise NotFound(
                f"Run {edge.run_id} is neither in the batch nor stored in the organisation",
                field="edges",
            )
    fresh = [r for r in runs if r.id not in batch.existing_runs]
    batch.run_ids.update((run.id, new_id()) for run in fresh)
    return fresh


def _edge_rows(batch: _Batch, edges: list[IngestEdge]) -> dict[EdgeKind, list[dict[str, Any]]]:
    """Edges by kind, de-duplicated (a CONSUMED edge listed twice keeps its earliest time).

    `Conflict` when a version would get a second producer, in the batch or against the store.
    """
    stamp = _millis(now())
    rows: dict[EdgeKind, dict[tuple[str, str], dict[str, Any]]] = {k: {} for k in EdgeKind}
    for edge in edges:
        version, element_id = batch.versions[edge.version]
        at = stamp if edge.at is None else _millis(edge.at)
        run_id = batch.run_ids[edge.run_id]
        key = (run_id, version)
        current = rows[edge.kind].get(key)
        if current is None or at < current["at"]:
            ref = None if VERSION_ID.fullmatch(edge.version) else edge.version
            rows[edge.kind][key] = {
                "run": run_id,
                "version": version,
                "eid": element_id,
                "at": at,
                "ref": ref,
            }
    producers = dict(batch.producers)
    for run_id, version in rows[EdgeKind.PRODUCED]:
        producer = producers.setdefault(version, run_id)
        if producer != run_id:
            raise Conflict(
                f"Version {version} already has producer {producer}; a version has one producer",
                field="edges",
            )
    return {
        kind: [dict(row, i=i) for i, row in enumerate(by_key.values())]
        for kind, by_key in rows.items()
    }


@functools.lru_cache(maxsize=4096)
def _millis(value: datetime) -> int:
    """Epoch milliseconds (cached: the edges of one run usually share their time)."""
    if value.tzinfo is None:
        raise InvalidInput("times must carry a timezone", field="edges")
    return round(value.timestamp() * 1000)


def _run_rows(runs: list[IngestRun], run_ids: dict[str, str]) -> list[dict[str, Any]]:
    stamp = _millis(now())
    return [
        {
            "id": run_ids[run.id],
            "client_id": run.id,
            "name": run.name or f"{run.job_type}-{run.id[:8]}",
            "job_type": run.job_type,
            "state": run.state.value,
            "author": run.author,
            "config": encode_json(run.config or {}, field="config"),
            "summary": encode_json(run.summary or {}, field="summary"),
            "tags": validate_tags(run.tags),
            "started_ms": stamp if run.started_at is None else _millis(run.started_at),
            "finished_ms": None if run.finished_at is None else _millis(run.finished_at),
        }
        for run in runs
    ]


async def find_cycle_tx(
    tx: AsyncManagedTransaction, fresh: dict[EdgeKind, list[dict[str, Any]]]
) -> tuple[EdgeKind, str, str, int] | None:
    """A new edge (rows with `run`, `version`, `eid`) that lies on a cycle once all of them are
    written, as (kind, run id, version id, hops of the path back), or None (see the module
    docstring for why only a few edges are tested)."""
    consumed = fresh.get(EdgeKind.CONSUMED, [])
    produced = fresh.get(EdgeKind.PRODUCED, [])
    suspects: dict[EdgeKind, list[dict[str, Any]]] = {}
    if consumed:
        ids = sorted({row["run"] for row in consumed})
        record = await (await tx.run(RUNS_WITH_CONSUMED_OUTPUTS, ids=ids)).single(strict=True)
        risky = set(record["ids"])
        suspects[EdgeKind.CONSUMED] = [row for row in consumed if row["run"] in risky]
    if produced:
        eids = sorted({row["eid"] for row in produced})
        record = await (await tx.run(CONSUMED_VERSIONS, eids=eids)).single(strict=True)
        risky = set(record["eids"])
        suspects[EdgeKind.PRODUCED] = [row for row in produced if row["eid"] in risky]
    for kind, rows in suspects.items():
        if rows:
            found = await (await tx.run(CYCLE_OF_EDGES[kind], edges=rows)).single()
            if found is not None:
                return kind, found["run"], found["version"], int(found["hops"])
    return None


async def _check_cycles_tx(
    tx: AsyncManagedTransaction, fresh: dict[EdgeKind, list[dict[str, Any]]]
) -> None:
    """Refuse the batch if any of its new edges lies on a cycle (see the module docstring)."""
    found = await find_cycle_tx(tx, fresh)
    if found is not None:
        raise cycle_error(*found)


async def _record_events_tx(
    tx: AsyncManagedTransaction,
    new_run_ids: list[str],
    fresh: dict[EdgeKind, list[dict[str, Any]]],
    actor: str,
) -> None:
    """RUN_STARTED for each new run (and RUN_FINISHED for one imported as ended), then
    LINEAGE_EDGE_ADDED for each new edge, after the batch passed its cycle check."""
    if new_run_ids:
        rows = await collected_tx(tx, RUNS_BY_ID, ids=new_run_ids)
        await record_run_events_tx(tx, type=EventType.RUN_STARTED, runs=rows, actor=actor)
        ended = [row for row in rows if row["state"] != RunState.RUNNING.value]
        await record_run_events_tx(tx, type=EventType.RUN_FINISHED, runs=ended, actor=actor)
    await record_edge_events_tx(
        tx,
        edges=[
            EdgeKey(row["run"], row["version"], kind.value)
            for kind, rows in fresh.items()
            for row in rows
        ],
        actor=actor,
    )


async def _ingest_tx(
    tx: AsyncManagedTransaction,
    org: str,
    project: str,
    runs: list[IngestRun],
    edges: list[IngestEdge],
    actor: str,
) -> IngestResult:
    locked = await (await tx.run(LOCK_PROJECT, org=org, project=project)).single()
    if locked is None:
        raise NotFound(f"Project {org}/{project} not found", field="project")
    batch = _Batch(org_id=locked["org_id"], project_id=locked["project_id"])
    new_runs = await _check_runs_tx(tx, batch, runs, edges)
    await _resolve_versions_tx(tx, batch, edges, org, project)
    by_kind = _edge_rows(batch, edges)
    created_runs: dict[str, str] = {}
    if new_runs:
        record = await (
            await tx.run(
                CREATE_RUNS,
                project_id=batch.project_id,
                org_id=batch.org_id,
                org=org,
                runs=_run_rows(new_runs, batch.run_ids),
                now=now(),
            )
        ).single(strict=True)
        created_runs = dict(record["created"])
    fresh: dict[EdgeKind, list[dict[str, Any]]] = {}
    for kind, rows in by_kind.items():
        fresh[kind] = [
            dict(row, rid=created_runs[row["run"]]) for row in rows if row["run"] in created_runs
        ]
        if fresh[kind]:
            await tx.run(CREATE_EDGES[kind], edges=fresh[kind])
        stored = [row for row in rows if row["run"] not in created_runs]
        if stored:
            record = await (await tx.run(WRITE_EDGES[kind], edges=stored)).single(strict=True)
            created = set(record["created"])
            fresh[kind] += [row for row in stored if row["i"] in created]
    await _check_cycles_tx(tx, fresh)
    await _record_events_tx(tx, list(created_runs), fresh, actor)
    edges_created = sum(len(rows) for rows in fresh.values())
    edges_total = sum(len(rows) for rows in by_kind.values())
    return IngestResult(
        runs_created=len(new_runs),
        runs_existing=len(runs) - len(new_runs),
        edges_created=edges_created,
        edges_existing=edges_total - edges_created,
        run_ids=batch.run_ids,
    )


async def ingest(
    graph: Graph,
    org: str,
    project: str,
    runs: list[IngestRun],
    edges: list[IngestEdge],
    *,
    actor: str = "",
) -> IngestResult:
    """Import one batch into `org/project` atomically; safe to retry (see the module doc)."""
    _validate(runs, edges)
    return await graph.write(_ingest_tx, org, project, runs, edges, actor)
