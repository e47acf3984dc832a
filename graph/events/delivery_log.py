"""A webhook's delivery log: deliveries read back (paged, newest first), redelivery of one
event, the synthetic ping, and the sweep that keeps the log to the event log's retention.

The queue itself (fan-out, leases, results) is `graph.events.deliveries`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.tx import fetch_all, fetch_one, fetch_page
from graph.core.values import from_micros, new_id, now
from graph.events.deliveries import ClaimedDelivery, DeliveryState, claimed_delivery
from graph.events.log import EVENT_BY_ID, event_record
from graph.events.wire import event_body

PING = "PING"
"""The `event_type` of a ping delivery (not an event of the log)."""


@dataclass(frozen=True)
class DeliveryRecord:
    id: str
    webhook_id: str
    org_id: str
    event_id: str
    event_type: str
    event_seq: int | None
    ping: bool
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    """When the next attempt is due; None once the delivery has ended (or while paused)."""
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    deadline_at: datetime | None
    response_status: int | None
    response_body: str | None
    latency_ms: float | None
    last_error: str | None
    in_flight: bool
    """An attempt holds a lease right now."""


DELIVERY_FIELDS: LiteralString = """d {
  .id, .webhook_id, .org_id, .event_id, .event_type, .event_seq, .ping, .state, .attempts,
  .response_status, .response_body, .latency_ms, .last_error,
  created_at: d.created_at.epochSeconds * 1000000 + d.created_at.microsecond,
  next_attempt_at: d.next_attempt_at.epochSeconds * 1000000 + d.next_attempt_at.microsecond,
  last_attempt_at: d.last_attempt_at.epochSeconds * 1000000 + d.last_attempt_at.microsecond,
  delivered_at: d.delivered_at.epochSeconds * 1000000 + d.delivered_at.microsecond,
  deadline_at: d.deadline_at.epochSeconds * 1000000 + d.deadline_at.microsecond,
  in_flight: d.lease_until IS NOT NULL AND d.lease_until > $now
}"""


def delivery_record(row: dict[str, Any]) -> DeliveryRecord:
    state = DeliveryState(row["state"])
    return DeliveryRecord(
        id=row["id"],
        webhook_id=row["webhook_id"],
        org_id=row["org_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        event_seq=None if row["event_seq"] is None else int(row["event_seq"]),
        ping=bool(row["ping"]),
        state=state,
        attempts=int(row["attempts"] or 0),
        created_at=from_micros(row["created_at"]) or now(),
        next_attempt_at=(
            from_micros(row["next_attempt_at"]) if state is DeliveryState.PENDING else None
        ),
        last_attempt_at=from_micros(row["last_attempt_at"]),
        delivered_at=from_micros(row["delivered_at"]),
        deadline_at=from_micros(row["deadline_at"]),
        response_status=None if row["response_status"] is None else int(row["response_status"]),
        response_body=row["response_body"],
        latency_ms=None if row["latency_ms"] is None else float(row["latency_ms"]),
        last_error=row["last_error"],
        in_flight=bool(row["in_flight"]),
    )


COUNT_DELIVERIES: LiteralString = """
MATCH (d:WebhookDelivery)  // every delivery has created_at: the (webhook_id, created_at) index
WHERE d.webhook_id = $webhook_id AND d.created_at IS NOT NULL
  AND ($state IS NULL OR d.state = $state)
RETURN count(d) AS total
"""

PAGE_DELIVERIES: LiteralString = (
    """
MATCH (d:WebhookDelivery {webhook_id: $webhook_id})
WHERE d.created_at IS NOT NULL AND ($state IS NULL OR d.state = $state)
WITH d ORDER BY d.created_at DESC, d.id DESC
SKIP $offset LIMIT $limit
RETURN """
    + DELIVERY_FIELDS
    + """ AS delivery"""
)


async def list_deliveries(
    graph: Graph,
    webhook_id: str,
    *,
    offset: int,
    limit: int,
    state: DeliveryState | None = None,
) -> tuple[list[DeliveryRecord], int]:
    """One page of the webhook's deliveries, newest first (of `state` only, when given), and
    how many there are."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_DELIVERIES,
        PAGE_DELIVERIES,
        webhook_id=webhook_id,
        state=None if state is None else state.value,
        offset=offset,
        limit=limit,
        now=now(),
    )
    return [delivery_record(row["delivery"]) for row in rows], total


DELIVERIES_BY_IDS: LiteralString = (
    """
UNWIND $ids AS wanted
MATCH (d:WebhookDelivery {id: wanted})
RETURN """
    + DELIVERY_FIELDS
    + """ AS delivery"""
)


async def deliveries_by_ids(graph: Graph, ids: Sequence[str]) -> list[DeliveryRecord | None]:
    rows = await graph.read(fetch_all, DELIVERIES_BY_IDS, ids=list(ids), now=now())
    found = {r.id: r for r in (delivery_record(row["delivery"]) for row in rows)}
    return [found.get(i) for i in ids]


async def get_delivery(graph: Graph, delivery_id: str) -> DeliveryRecord | None:
    (record,) = await deliveries_by_ids(graph, [delivery_id])
    return record


# ---- redelivery ------------------------------------------------------------------------------

WEBHOOK_OF: LiteralString = """
MATCH (w:Webhook {id: $id})
RETURN w.org_id AS org_id, w.enabled AS enabled
"""

REDELIVER: LiteralString = (
    """
MATCH (w:Webhook {id: $webhook_id})
MERGE (d:WebhookDelivery {webhook_id: w.id, event_id: $event_id})
ON CREATE SET d.id = $id, d.org_id = w.org_id, d.event_type = $event_type,
  d.event_seq = $event_seq, d.body = $body, d.ping = false, d.attempts = 0,
  d.created_at = $now
SET d.state = CASE WHEN w.enabled THEN 'PENDING' ELSE 'PAUSED' END,
    d.next_attempt_at = $now, d.deadline_at = $deadline,
    d.redeliver = d.lease_owner IS NOT NULL
RETURN """
    + DELIVERY_FIELDS
    + """ AS delivery"""
)

EXISTING: LiteralString = """
MATCH (d:WebhookDelivery {webhook_id: $webhook_id, event_id: $event_id})
RETURN d.event_type AS event_type, d.event_seq AS event_seq, d.body AS body
"""


async def _redeliver_tx(
    tx: AsyncManagedTransaction, webhook_id: str, event_id: str, retry_seconds: float
) -> DeliveryRecord:
    webhook = await (await tx.run(WEBHOOK_OF, id=webhook_id)).single()
    if webhook is None:
        raise NotFound("Webhook not found", field="webhookId")
    existing = await (await tx.run(EXISTING, webhook_id=webhook_id, event_id=event_id)).single()
    if existing is not None:
        event_type, event_seq, body = (
            existing["event_type"],
            existing["event_seq"],
            existing["body"],
        )
    else:
        found = await (await tx.run(EVENT_BY_ID, id=event_id)).single()
        if found is None or found["event"]["org_id"] != webhook["org_id"]:
            raise NotFound(
                "No such event in the webhook's organisation (or it left the log)",
                field="eventId",
            )
        event = event_record(found["event"])
        event_type, event_seq = event.type.value, event.seq
        body = json.dumps(event_body(event), separators=(",", ":"))
    at = now()
    row = await (
        await tx.run(
            REDELIVER,
            webhook_id=webhook_id,
            event_id=event_id,
            id=new_id(),
            event_type=event_type,
            event_seq=event_seq,
            body=body,
            now=at,
            deadline=at + timedelta(seconds=retry_seconds),
        )
    ).single(strict=True)
    return delivery_record(row["delivery"])


async def redeliver(
    graph: Graph, webhook_id: str, event_id: str, *, retry_seconds: float
) -> DeliveryRecord:
    """Make the event's delivery to this webhook due now, with a fresh retry window: the one
    it had (whatever its state; its attempt count goes on), or a new one for an event of the
    webhook's organisation that it never had (an older event, or one its filter skipped).
    A disabled webhook's delivery waits, paused, until it is enabled."""
    return await graph.write(_redeliver_tx, webhook_id, event_id, retry_seconds)


# ---- ping --------------------------------------------------------------------------------------

CREATE_PING: LiteralString = """
MATCH (w:Webhook {id: $webhook_id})
CREATE (d:WebhookDelivery {
  id: $id, webhook_id: w.id, org_id: w.org_id, event_id: $event_id, event_type: $event_type,
  body: $body, ping: true, state: 'PENDING', attempts: 1, created_at: $now,
  last_attempt_at: $now, next_attempt_at: $lease_until, deadline_at: $lease_until,
  lease_owner: $owner, lease_until: $lease_until
})
RETURN d.id AS id, d.webhook_id AS webhook_id, d.org_id AS org_id, d.event_id AS event_id,
       d.event_type AS event_type, d.body AS body, d.attempts AS attempts,
       d.deadline_at AS deadline_at, true AS ping, w.url AS url,
       w.secret AS current, w.previous_secret AS previous,
       w.previous_secret_until AS previous_until
"""


async def create_ping(
    graph: Graph,
    webhook_id: str,
    *,
    event_id: str,
    body: str,
    owner: str,
    lease_seconds: float,
) -> ClaimedDelivery:
    """A ping delivery already leased to `owner`, who sends it at once (it is never retried
    and never counts towards disabling the webhook)."""
    at = now()
    row = await graph.write(
        fetch_one,
        CREATE_PING,
        webhook_id=webhook_id,
        id=new_id(),
        event_id=event_id,
        event_type=PING,
        body=body,
        now=at,
        owner=owner,
        lease_until=at + timedelta(seconds=lease_seconds),
    )
    if row is None:
        raise NotFound("Webhook not found", field="webhookId")
    return claimed_delivery(row)


# ---- sweep -------------------------------------------------------------------------------------

SWEEP_DELIVERIES: LiteralString = """
MATCH (w:Webhook)
CALL (w) {
  MATCH (d:WebhookDelivery {webhook_id: w.id})
  WHERE d.created_at < $before AND (d.lease_until IS NULL OR d.lease_until < $now)
  RETURN d LIMIT $batch
}
WITH d LIMIT $batch
DETACH DELETE d
RETURN count(*) AS deleted
"""


async def sweep_deliveries(graph: Graph, before: datetime, *, batch: int = 5000) -> int:
    """Delete delivery records created before `before` (none in flight), in batches; how many
    went. Call with the event log's retention: a delivery outlives its event no longer."""
    deleted = 0
    while True:
        row = await graph.write(fetch_one, SWEEP_DELIVERIES, before=before, now=now(), batch=batch)
        count = 0 if row is None else int(row["deleted"])
        deleted += count
        if count < batch:
            return deleted
