"""Reading the event log of one organisation in `seq` order, from a cursor.

`seq` is dense per organisation (see `graph.core.events`): followers ask for `seq > after`
and get every committed event in order. Retention removes the oldest events, so the first
`seq` still kept may be above `after + 1`; `oldest_seq` tells a resuming reader that it
missed events that are gone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString, cast

from graph.core.driver import Graph
from graph.core.events import EventType
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import from_micros, now


@dataclass(frozen=True)
class EventRecord:
    id: str
    org_id: str
    org: str
    seq: int
    at: datetime
    type: EventType
    actor: str
    object_kind: str
    object_id: str
    path: str | None
    project: str | None = None
    artifact: str | None = None
    registry: str | None = None
    collection: str | None = None
    alias: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


EVENT_FIELDS: LiteralString = """e {
  .id, .org_id, .org, .seq, .type, .actor, .object_kind, .object_id, .path,
  .project, .artifact, .registry, .collection, .alias, .payload,
  at: e.at.epochSeconds * 1000000 + e.at.microsecond
}"""


def event_record(row: dict[str, Any]) -> EventRecord:
    payload: Any
    try:
        payload = json.loads(row["payload"]) if row["payload"] else {}
    except (TypeError, ValueError):
        payload = {"raw": row["payload"]}
    return EventRecord(
        id=row["id"],
        org_id=row["org_id"],
        org=row["org"] or "",
        seq=int(row["seq"]),
        at=from_micros(row["at"]) or now(),
        type=EventType(row["type"]),
        actor=row["actor"] or "",
        object_kind=row["object_kind"],
        object_id=row["object_id"],
        path=row["path"],
        project=row["project"],
        artifact=row["artifact"],
        registry=row["registry"],
        collection=row["collection"],
        alias=row["alias"],
        payload=cast(dict[str, Any], payload) if isinstance(payload, dict) else {"value": payload},
    )


EVENTS_AFTER: LiteralString = (
    """
MATCH (e:Event {org_id: $org_id})
WHERE e.seq > $after AND ($types IS NULL OR e.type IN $types)
WITH e ORDER BY e.seq
LIMIT $limit
RETURN """
    + EVENT_FIELDS
    + """ AS event"""
)


async def events_after(
    graph: Graph,
    org_id: str,
    after: int,
    *,
    limit: int = 200,
    types: Sequence[EventType] | None = None,
) -> list[EventRecord]:
    """Up to `limit` events with `seq > after`, oldest first (of `types` only, when given)."""
    rows = await graph.read(
        fetch_all,
        EVENTS_AFTER,
        org_id=org_id,
        after=after,
        limit=limit,
        types=None if types is None else [t.value for t in types],
    )
    return [event_record(row["event"]) for row in rows]


EVENTS_AFTER_IN_ORGS: LiteralString = (
    """
UNWIND $cursors AS cursor
CALL (cursor) {
  MATCH (e:Event {org_id: cursor.org_id})
  WHERE e.seq > cursor.after
  WITH e ORDER BY e.seq
  LIMIT $limit
  RETURN e
}
RETURN """
    + EVENT_FIELDS
    + """ AS event
ORDER BY event.org_id, event.seq"""
)


async def events_after_in_orgs(
    graph: Graph, cursors: dict[str, int], *, limit: int = 500
) -> list[EventRecord]:
    """For each organisation id in `cursors`, up to `limit` events after its cursor: what one
    replica's follower reads per poll for every organisation it has subscribers in."""
    if not cursors:
        return []
    rows = await graph.read(
        fetch_all,
        EVENTS_AFTER_IN_ORGS,
        cursors=[{"org_id": org_id, "after": after} for org_id, after in cursors.items()],
        limit=limit,
    )
    return [event_record(row["event"]) for row in rows]


LAST_SEQ: LiteralString = """
OPTIONAL MATCH (s:EventSequence {org_id: $org_id})
CALL () {
  // the first entry of the (org_id, seq) index: a composite index serves a predicate on its
  // first property only when the second has one too; without it every Event node is scanned.
  // Ordered by both properties, the index gives the order and one entry is read; by seq alone,
  // every event of the organisation is read and sorted.
  OPTIONAL MATCH (first:Event)
  WHERE first.org_id = $org_id AND first.seq IS NOT NULL
  RETURN first.seq AS oldest
  ORDER BY first.org_id, first.seq
  LIMIT 1
}
RETURN coalesce(s.last, 0) AS last, oldest
"""


@dataclass(frozen=True)
class LogBounds:
    last_seq: int
    """The newest event's `seq` (0 when the organisation has none yet)."""
    oldest_seq: int | None
    """The oldest event still kept, None when none is."""


async def log_bounds(graph: Graph, org_id: str) -> LogBounds:
    row = await graph.read(fetch_one, LAST_SEQ, org_id=org_id)
    if row is None:
        return LogBounds(0, None)
    oldest = row["oldest"]
    return LogBounds(int(row["last"]), None if oldest is None else int(oldest))


EVENT_BY_ID: LiteralString = (
    """
MATCH (e:Event {id: $id})
RETURN """
    + EVENT_FIELDS
    + """ AS event"""
)


async def event_by_id(graph: Graph, event_id: str) -> EventRecord | None:
    row = await graph.read(fetch_one, EVENT_BY_ID, id=event_id)
    return None if row is None else event_record(row["event"])


SWEEP_EVENTS: LiteralString = """
MATCH (e:Event) WHERE e.at < $before AND ($org_id IS NULL OR e.org_id = $org_id)
WITH e LIMIT $batch
DETACH DELETE e
RETURN count(*) AS deleted
"""


async def sweep_events(
    graph: Graph, before: datetime, *, org_id: str | None = None, batch: int = 5000
) -> int:
    """Delete events older than `before` (of one organisation, or all), in batches; how many
    went. The sequence is kept: cursors never restart."""
    deleted = 0
    while True:
        row = await graph.write(fetch_one, SWEEP_EVENTS, before=before, org_id=org_id, batch=batch)
        count = 0 if row is None else int(row["deleted"])
        deleted += count
        if count < batch:
            return deleted
