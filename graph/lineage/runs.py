"""Runs: executions of code in a project that consume and produce artifact versions.

A run is created RUNNING and ends once, as FINISHED, FAILED or CRASHED. Its config and summary
are JSON objects stored as strings; updates merge top-level keys (a null value removes a key)
under a write lock on the run, so concurrent updates never lose each other's keys.

Two ids: `id` is the node's own key, always made by the server and unique on the server (what
global ids wrap); `client_id` is the id the client chose (createRun's `id`, an imported run's
`id`), unique only within the organisation, so one team's choice never blocks another's. A run
created without a chosen id has `client_id` equal to `id`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any, LiteralString, cast

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from graph.core.events import EventType
from graph.core.names import validate_name
from graph.core.tx import fetch_one, fetch_page
from graph.core.validation import encode_json_object, validate_tags
from graph.core.values import from_micros, new_id, now
from graph.lineage.events import record_run_events_tx

MAX_JSON_BYTES = 256 * 1024
MAX_TEXT = 256
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]{8,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RunState(Enum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    CRASHED = "CRASHED"


TERMINAL_STATES = (RunState.FINISHED, RunState.FAILED, RunState.CRASHED)


@dataclass(frozen=True)
class RunRecord:
    id: str
    client_id: str
    project_id: str
    org_id: str
    org_name: str
    project_name: str
    name: str
    job_type: str
    state: RunState
    author: str | None
    config: dict[str, Any]
    summary: dict[str, Any]
    tags: tuple[str, ...]
    created_at: datetime
    started_at: datetime
    finished_at: datetime | None

    @property
    def project_path(self) -> str:
        return f"{self.org_name}/{self.project_name}"

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to end; None while the run is still RUNNING."""
        if self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())


@dataclass(frozen=True)
class NewRun:
    """What a caller supplies to create a run; validated by `validated()`."""

    job_type: str
    name: str | None = None
    config: dict[str, Any] | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    id: str | None = None
    started_at: datetime | None = None

    def validated(self) -> NewRun:
        """This run checked, with its tags as stored (`graph.core.validation.validate_tags`)."""
        validate_name(self.job_type, field="jobType")
        if self.started_at is not None and self.started_at.tzinfo is None:
            raise InvalidInput("startedAt needs a timezone", field="startedAt")
        if self.name is not None:
            validate_text(self.name, field="name")
        if self.author is not None:
            validate_text(self.author, field="author")
        if self.id is not None:
            validate_run_id(self.id)
        tags = tuple(validate_tags(self.tags))
        encode_json(self.config or {}, field="config")
        return replace(self, tags=tags)


# Times come back as epoch microseconds (`graph.core.values.from_micros`): the driver turns a
# DateTime into a Python datetime far slower, which shows on lineage pages of runs.
RUN_FIELDS: LiteralString = """
r {.id, .client_id, .project_id, .org_id, .org_name, .project_name, .name, .job_type, .state,
   .author, .config, .summary, .tags,
   created_at: r.created_at.epochSeconds * 1000000 + r.created_at.microsecond,
   started_at: r.started_at.epochSeconds * 1000000 + r.started_at.microsecond,
   finished_at: r.finished_at.epochSeconds * 1000000 + r.finished_at.microsecond}
"""

NEW_RUN: LiteralString = (
    """
CREATE (r:Run {id: $id, client_id: $client_id, project_id: p.id, org_id: o.id, org_name: o.name,
               project_name: p.name, name: $name, job_type: $job_type, state: 'RUNNING',
               author: $author, config: $config, summary: '{}', tags: $tags, created_at: $now,
               started_at: $started_at, finished_at: null, updated_at: $now})
CREATE (p)-[:HAS_RUN]->(r)
RETURN """
    + RUN_FIELDS
    + " AS run"
)

CREATE_RUN: LiteralString = (
    "MATCH (o:Organization {name: $org})-[:HAS_PROJECT]->(p:Project {name: $project})" + NEW_RUN
)

# The project (and its organisation) made on first use in the transaction that creates the run,
# so a refused run (a taken id) leaves neither behind.
CREATE_RUN_AND_PROJECT: LiteralString = (
    """
MERGE (o:Organization {name: $org})
  ON CREATE SET o.id = $org_id, o.created_at = $now
MERGE (p:Project {org_id: o.id, name: $project})
  ON CREATE SET p.id = $project_id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
WITH o, p"""
    + NEW_RUN
)

RUNS_BY_ID: LiteralString = (
    "UNWIND $ids AS id MATCH (r:Run {id: id}) RETURN collect(" + RUN_FIELDS + ") AS runs"
)

# Runs an id given without its type names: the stored id, or an id a client chose (any number of
# organisations may have chosen the same one).
RUNS_BY_REFERENCE: LiteralString = (
    """
CALL () {
  MATCH (r:Run {id: $ref}) RETURN r
  UNION
  MATCH (r:Run {client_id: $ref}) RETURN r
}
WITH r ORDER BY r.org_name, r.id LIMIT $limit
RETURN collect("""
    + RUN_FIELDS
    + ") AS runs"
)

LOCK_RUN: LiteralString = (
    "MATCH (r:Run {id: $id}) SET r._lock = coalesce(r._lock, 0) + 1 RETURN "
    + RUN_FIELDS
    + " AS run"
)

UPDATE_RUN: LiteralString = (
    """
MATCH (r:Run {id: $id})
SET r.name = $name, r.tags = $tags, r.config = $config, r.summary = $summary,
    r.state = $state, r.finished_at = $finished_at, r.updated_at = $now
RETURN """
    + RUN_FIELDS
    + " AS run"
)

COUNT_RUNS: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})-[:HAS_RUN]->(r:Run)
WHERE ($job_type IS NULL OR r.job_type = $job_type) AND ($state IS NULL OR r.state = $state)
RETURN count(r) AS total
"""

RUNS_PAGE: LiteralString = (
    """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})-[:HAS_RUN]->(r:Run)
WHERE ($job_type IS NULL OR r.job_type = $job_type) AND ($state IS NULL OR r.state = $state)
WITH r ORDER BY r.created_at DESC, r.id
SKIP $offset LIMIT $limit
RETURN """
    + RUN_FIELDS
    + " AS run"
)


def validate_text(value: str, *, field: str) -> str:
    """Free text shown to people: 1..256 characters, no control characters."""
    if not 1 <= len(value) <= MAX_TEXT or CONTROL.search(value):
        raise InvalidInput(f"{field} must be 1-{MAX_TEXT} printable characters", field=field)
    return value


def validate_run_id(value: str) -> str:
    if not RUN_ID_PATTERN.fullmatch(value):
        raise InvalidInput("run ids are 8-64 letters, digits, '_' or '-'", field="id")
    return value


def encode_json(value: dict[str, Any], *, field: str) -> str:
    """A run's config or summary as stored: a JSON object of at most 256 KiB
    (`graph.core.validation.encode_json_object`)."""
    return encode_json_object(value, field=field, max_bytes=MAX_JSON_BYTES)


def merge_json(current: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    """Top-level merge: keys of `update` replace those of `current`; null removes a key."""
    if update is None:
        return current
    merged = dict(current)
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _decode(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    decoded = json.loads(value)
    return cast(dict[str, Any], decoded) if isinstance(decoded, dict) else {}


def run_record(row: dict[str, Any]) -> RunRecord:
    created = from_micros(row.get("created_at")) or now()
    return RunRecord(
        id=row["id"],
        client_id=row.get("client_id") or row["id"],
        project_id=row["project_id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        project_name=row["project_name"],
        name=row["name"],
        job_type=row["job_type"],
        state=RunState(row["state"]),
        author=row.get("author"),
        config=_decode(row.get("config")),
        summary=_decode(row.get("summary")),
        tags=tuple(row.get("tags") or ()),
        created_at=created,
        started_at=from_micros(row.get("started_at")) or created,
        finished_at=from_micros(row.get("finished_at")),
    )


async def _create_run_tx(
    tx: AsyncManagedTransaction, /, query: LiteralString, actor: str, **params: Any
) -> dict[str, Any] | None:
    row = await fetch_one(tx, query, **params)
    if row is not None:
        await record_run_events_tx(tx, type=EventType.RUN_STARTED, runs=[row["run"]], actor=actor)
    return row


async def create_run(
    graph: Graph,
    org: str,
    project: str,
    new: NewRun,
    *,
    create_project: bool = False,
    actor: str | None = None,
) -> RunRecord:
    """Create a RUNNING run in a project; with `create_project`, the project and organisation
    are created on first use in the same transaction (a refused run leaves neither).

    `NotFound` for an unknown project (without `create_project`); `AlreadyExists` when the
    caller-chosen id is taken in the organisation (so a client retrying a create with its own id
    learns the first attempt succeeded). Another organisation's runs never make it taken.
    """
    new = new.validated()
    if create_project:
        validate_name(org, field="organization")
        validate_name(project, field="project")
    run_id = new_id()
    client_id = new.id or run_id
    created = now()
    try:
        row = await graph.write(
            _create_run_tx,
            CREATE_RUN_AND_PROJECT if create_project else CREATE_RUN,
            actor or new.author or "",
            org=org,
            project=project,
            org_id=new_id(),
            project_id=new_id(),
            id=run_id,
            client_id=client_id,
            name=new.name or f"{new.job_type}-{client_id[:8]}",
            job_type=new.job_type,
            author=new.author,
            config=encode_json(new.config or {}, field="config"),
            tags=list(new.tags),
            now=created,
            started_at=new.started_at or created,
        )
    except ConstraintError:
        raise AlreadyExists(
            f"A run with id {client_id!r} already exists in {org}", field="id"
        ) from None
    if row is None:
        raise NotFound(f"Project {org}/{project} not found", field="project")
    return run_record(row["run"])


async def collected_tx(
    tx: AsyncManagedTransaction, /, query: LiteralString, **params: Any
) -> list[Any]:
    """The list a query returns as its single value. Lineage pages load a hundred nodes at a
    time: one record holding them all costs a fraction of a hundred records in the driver (and
    no `Record.data()` deep copy)."""
    record = await (await tx.run(query, params)).single(strict=True)
    return list(record[0])


async def runs_by_ids(graph: Graph, ids: list[str]) -> list[RunRecord | None]:
    """Many runs in one round trip, in the order of `ids` (None where absent)."""
    rows = await graph.read(collected_tx, RUNS_BY_ID, ids=ids)
    found = {row["id"]: run_record(row) for row in rows}
    return [found.get(i) for i in ids]


async def runs_by_reference(graph: Graph, ref: str, *, limit: int = 100) -> list[RunRecord]:
    """The runs whose stored id is `ref` or whose organisation chose `ref` as its id (at most
    `limit`, by organisation name), for callers that name a run without its global id."""
    rows = await graph.read(collected_tx, RUNS_BY_REFERENCE, ref=ref, limit=limit)
    return [run_record(row) for row in rows]


async def require_run(graph: Graph, run_id: str) -> RunRecord:
    record = (await runs_by_ids(graph, [run_id]))[0]
    if record is None:
        raise NotFound("Run not found", field="run")
    return record


@dataclass(frozen=True)
class RunChange:
    """An update to a run; None leaves a field as it is. `state` must be a terminal state."""

    name: str | None = None
    tags: tuple[str, ...] | None = None
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    state: RunState | None = None
    finished_at: datetime | None = None


async def _change_run_tx(
    tx: AsyncManagedTransaction, run_id: str, change: RunChange, actor: str
) -> dict[str, Any]:
    locked = await (await tx.run(LOCK_RUN, id=run_id)).single()
    if locked is None:
        raise NotFound("Run not found", field="id")
    current = run_record(locked["run"])
    state, finished_at = current.state, current.finished_at
    if change.state is not None and change.state != current.state:
        if current.state is not RunState.RUNNING:
            raise Conflict(
                f"Run already ended as {current.state.value}; it cannot become "
                f"{change.state.value}",
                field="state",
            )
        state = change.state
        finished_at = change.finished_at or now()
        if finished_at < current.started_at:
            raise InvalidInput("A run cannot end before it started", field="finishedAt")
    config = merge_json(current.config, change.config)
    summary = merge_json(current.summary, change.summary)
    record = await (
        await tx.run(
            UPDATE_RUN,
            id=run_id,
            name=change.name if change.name is not None else current.name,
            tags=list(change.tags) if change.tags is not None else list(current.tags),
            config=encode_json(config, field="config"),
            summary=encode_json(summary, field="summary"),
            state=state.value,
            finished_at=finished_at,
            now=now(),
        )
    ).single(strict=True)
    updated = dict(record["run"])
    if state is not current.state:
        await record_run_events_tx(tx, type=EventType.RUN_FINISHED, runs=[updated], actor=actor)
    return updated


async def update_run(graph: Graph, run_id: str, change: RunChange, *, actor: str = "") -> RunRecord:
    """Rename, retag, merge config/summary keys, and/or end the run, in one transaction.

    Ending is allowed once: ending an ended run with the same state is a no-op (safe retries),
    with another state it is a `Conflict`. Lineage edges may still be added to an ended run.
    """
    if change.name is not None:
        validate_text(change.name, field="name")
    if change.tags is not None:
        change = replace(change, tags=tuple(validate_tags(change.tags)))
    if change.state is RunState.RUNNING:
        raise InvalidInput("A run can only be ended as FINISHED, FAILED or CRASHED", field="state")
    if change.finished_at is not None and change.finished_at.tzinfo is None:
        raise InvalidInput("finishedAt needs a timezone", field="finishedAt")
    for value, field in ((change.config, "config"), (change.summary, "summary")):
        if value is not None:
            encode_json(value, field=field)
    row = await graph.write(_change_run_tx, run_id, change, actor)
    return run_record(row)


async def runs_of_project(
    graph: Graph,
    org: str,
    project: str,
    offset: int,
    limit: int,
    *,
    job_type: str | None = None,
    state: RunState | None = None,
) -> tuple[list[RunRecord], int]:
    """One page of a project's runs, newest first, and how many match in all."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_RUNS,
        RUNS_PAGE,
        org=org,
        project=project,
        job_type=job_type,
        state=None if state is None else state.value,
        offset=offset,
        limit=limit,
    )
    return [run_record(row["run"]) for row in rows], total
