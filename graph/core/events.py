"""The event log's writer: one `Event` node per committed change that other services react to.

`record_event_tx` runs inside the write transaction of the change it records, so an event exists
if and only if its change committed. Each organisation has one `EventSequence` node whose counter
gives its events a dense, monotonically increasing `seq` (the public cursor). Taking that counter
is a write lock held until commit, so a later `seq` never becomes visible before an earlier one:
a reader that has seen `seq` n has seen every event up to n, which is what lets subscribers and
webhook fan-out resume from a cursor without gaps or duplicates. The lock is taken last in the
transaction (callers record after their change), so it is held for the commit only.

Reading, filtering, subscriptions and webhooks live in `graph.events` and above; this module only
writes, so every wing can record without importing another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

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


RECORD_EVENT: LiteralString = """
MATCH (o:Organization {id: $org_id})
MERGE (s:EventSequence {org_id: $org_id})
SET s._lock = true
WITH o, s
SET s.last = coalesce(s.last, 0) + 1
REMOVE s._lock
CREATE (e:Event {
  id: $id, org_id: $org_id, org: o.name, seq: s.last, at: $at, type: $type, actor: $actor,
  object_kind: $object_kind, object_id: $object_id, path: $path,
  project: $project, artifact: $artifact, registry: $registry, collection: $collection,
  alias: $alias, payload: $payload
})
RETURN e.seq AS seq
"""


async def record_event_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    type: EventType,
    actor: str,
    subject: EventSubject,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Append one event of organisation `org_id`; its `seq`, or None if the organisation is gone.

    Call it after the change it records, as late in the transaction as possible: the sequence
    lock it takes serialises the organisation's event-writing transactions until they commit.
    """
    record = await (
        await tx.run(
            RECORD_EVENT,
            id=new_id(),
            org_id=org_id,
            at=now(),
            type=type.value,
            actor=actor,
            object_kind=subject.kind,
            object_id=subject.id,
            path=subject.path,
            project=subject.project,
            artifact=subject.artifact,
            registry=subject.registry,
            collection=subject.collection,
            alias=subject.alias,
            payload=json.dumps(payload or {}, sort_keys=True, default=str),
        )
    ).single()
    return None if record is None else int(record["seq"])
