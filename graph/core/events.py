"""The event log's writer: one `Event` node per committed change that other services react to.

`record_events_tx` runs inside the write transaction of the change it records, so an event exists
if and only if its change committed. Each organisation has one `EventSequence` node whose counter
gives its events a dense, monotonically increasing `seq` (the public cursor). Taking that counter
is a write lock held until commit, so a later `seq` never becomes visible before an earlier one:
a reader that has seen `seq` n has seen every event up to n, which is what lets subscribers and
webhook fan-out resume from a cursor without gaps or duplicates. Inside `Graph.write` the events
of a transaction are held and written in one statement when its work function returns
(`with_pending_events`), so the lock is held for the commit only and a commit that records two
events (a version and its `latest` move) pays one round trip.

Reading, filtering, subscriptions and webhooks live in `graph.events` and above; this module only
writes, so every wing can record without importing another.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.held import Held
from graph.core.values import new_id, now


class EventType(StrEnum):
    """What happened. The GraphQL enum and webhook `eventTypes` use these names."""

    VERSION_CREATED = "VERSION_CREATED"
    VERSION_DELETED = "VERSION_DELETED"
    VERSION_EXPIRED = "VERSION_EXPIRED"
    ALIAS_SET = "ALIAS_SET"
    ALIAS_REMOVED = "ALIAS_REMOVED"
    VERSION_LINKED = "VERSION_LINKED"
    VERSION_UNLINKED = "VERSION_UNLINKED"
    COLLECTION_CREATED = "COLLECTION_CREATED"
    RUN_STARTED = "RUN_STARTED"
    RUN_FINISHED = "RUN_FINISHED"
    LINEAGE_EDGE_ADDED = "LINEAGE_EDGE_ADDED"


def global_id(type_name: str, node_id: str) -> str:
    """The Relay global id GraphQL answers for this object (base64 of `Type:id`, as strawberry
    encodes it; tests/api/events checks the two agree). Payloads name objects by it."""
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


@dataclass(frozen=True)
class EventSubject:
    """Which object an event is about, and where it lives: the fields subscribers filter on and
    the scope (organisation, registry) a reader's right is checked against at delivery time."""

    kind: str
    """The object's GraphQL type: `ArtifactVersion`, `RegistryVersion`, `Collection`, `Run`."""
    id: str
    path: str | None = None
    project: str | None = None
    artifact: str | None = None
    registry: str | None = None
    collection: str | None = None
    alias: str | None = None


@dataclass(frozen=True)
class NewEvent:
    """One event to record: what happened, to what, and its typed payload."""

    type: EventType
    subject: EventSubject
    payload: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        return {
            "id": new_id(),
            "type": self.type.value,
            "object_kind": self.subject.kind,
            "object_id": self.subject.id,
            "path": self.subject.path,
            "project": self.subject.project,
            "artifact": self.subject.artifact,
            "registry": self.subject.registry,
            "collection": self.subject.collection,
            "alias": self.subject.alias,
            "payload": json.dumps(self.payload, sort_keys=True, default=str),
        }


# The lock is taken with a write before the counter is read, so the read sees the last committed
# value (Neo4j's documented cure for lost updates); events get consecutive seqs after it.
RECORD_EVENTS: LiteralString = """
MATCH (o:Organization {id: $org_id})
MERGE (s:EventSequence {org_id: $org_id})
SET s._lock = true
WITH o, s
SET s.last = coalesce(s.last, 0) + size($events)
REMOVE s._lock
WITH o, s.last - size($events) AS base
UNWIND range(0, size($events) - 1) AS i
WITH o, base, i, $events[i] AS ev
CREATE (e:Event {
  id: ev.id, org_id: o.id, org: o.name, seq: base + i + 1, at: $at, type: ev.type,
  actor: ev.actor, object_kind: ev.object_kind, object_id: ev.object_id, path: ev.path,
  project: ev.project, artifact: ev.artifact, registry: ev.registry,
  collection: ev.collection, alias: ev.alias, payload: ev.payload
})
"""


async def record_events_tx(
    tx: AsyncManagedTransaction, *, org_id: str, actor: str, events: Sequence[NewEvent]
) -> None:
    """Append `events` (one organisation's, in this order) to the log, in this transaction.

    Inside `Graph.write` they are held and written when the work function returns, all of a
    transaction's events in one statement per organisation: one round trip however many
    changes a transaction records, and the organisation's sequence lock taken only at the end
    (it serialises the organisation's event-writing transactions until they commit). Anywhere
    else they are written at once.
    """
    if not events:
        return
    rows = [dict(event.row(), actor=actor) for event in events]
    held = HELD_EVENTS.of(tx)
    if held is not None:
        held.setdefault(org_id, []).extend(rows)
        return
    await _write_tx(tx, org_id, rows)


async def _write_tx(tx: AsyncManagedTransaction, org_id: str, rows: list[dict[str, Any]]) -> None:
    await (await tx.run(RECORD_EVENTS, org_id=org_id, at=now(), events=rows)).consume()


async def _write_held(tx: AsyncManagedTransaction, held: dict[str, list[dict[str, Any]]]) -> None:
    for org_id, rows in held.items():
        await _write_tx(tx, org_id, rows)


HELD_EVENTS: Held[dict[str, list[dict[str, Any]]]] = Held("lineage_held_events", dict, _write_held)
with_pending_events = HELD_EVENTS.wrap
"""`work` with its recorded events written after it returns (`Graph.write` wraps every write)."""


async def record_event_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    type: EventType,
    actor: str,
    subject: EventSubject,
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one event (see `record_events_tx`)."""
    await record_events_tx(
        tx, org_id=org_id, actor=actor, events=[NewEvent(type, subject, payload or {})]
    )
