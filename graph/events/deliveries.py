"""The webhook delivery queue: fan-out from the event log, claims with leases, results.

Several API processes run the same worker on one Neo4j; nothing is shared in memory, so every
step that two of them may take at once is serialised in the database:
- fan-out: a worker locks the webhook, re-reads its cursor after the lock, turns the matching
  events after it into `WebhookDelivery` nodes (MERGE on (webhook_id, event_id), which a unique
  constraint backs) and advances the cursor, in one transaction. Bodies are copied in, so a
  delivery survives the event log's sweep.
- claim: due deliveries are locked, re-checked after the lock (another worker may have taken
  them meanwhile) and leased to one worker until `lease_until`; a worker that dies leaves them
  to whoever claims them when the lease has expired. The lease also moves `next_attempt_at`, so
  deliveries in flight are not due and the due-index scan skips them.
- result: only the lease holder records the outcome; the webhook's run of consecutive failures
  is updated under its lock, and a webhook that reaches the limit is disabled (audited) and its
  pending deliveries parked (`PAUSED`) until an admin enables it again.

```
(:WebhookDelivery {id, webhook_id, org_id, event_id, event_type, event_seq, body (JSON text),
  ping, state ('PENDING'|'SUCCEEDED'|'FAILED'|'PAUSED'), attempts, created_at, next_attempt_at,
  deadline_at, last_attempt_at, delivered_at, response_status, response_body (first 4 KiB),
  latency_ms, last_error, lease_owner, lease_until})
```
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.events import EventType
from graph.core.values import from_micros, new_id, now
from graph.events.filters import EventFilter, EventSelector
from graph.events.log import EVENTS_AFTER, event_record
from graph.events.webhooks import SealedSecrets, set_paused_tx
from graph.events.wire import event_body

SYSTEM_ACTOR = "system"


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PAUSED = "PAUSED"


@dataclass(frozen=True)
class ClaimedDelivery:
    """What one attempt needs: the body as stored, where to send it, the sealed secrets."""

    id: str
    webhook_id: str
    org_id: str
    url: str
    event_id: str
    event_type: str
    body: str
    attempts: int
    """Attempts so far, this one included."""
    deadline_at: datetime
    secrets: SealedSecrets
    ping: bool = False


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of one attempt and what follows it (decided by the worker's retry policy)."""

    delivery_id: str
    webhook_id: str
    ok: bool
    at: datetime
    state: DeliveryState
    next_attempt_at: datetime | None
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    response_body: str | None = None
    counts: bool = True
    """False for pings: they never move the webhook's failure count."""
    released: bool = False
    """Not attempted: this worker cannot send it (it cannot open the secret), so the claim is
    handed back as if it had not been made, for another worker, and nothing else changes."""


def _date(value: Any) -> datetime | None:
    return from_micros(value)


# ---- fan-out ---------------------------------------------------------------------------------

# One row (an auto-commit read is one round trip; every worker runs it every `poll_seconds`).
BEHIND: LiteralString = """
MATCH (w:Webhook) WHERE w.enabled
MATCH (s:EventSequence {org_id: w.org_id}) WHERE s.last > w.cursor
WITH w.org_id AS org_id, collect(w.id) AS ids
RETURN collect({org_id: org_id, ids: ids}) AS behind
"""

LOCK_FOR_FAN_OUT: LiteralString = """
UNWIND $ids AS wanted
MATCH (w:Webhook {id: wanted})
SET w._lock = true
REMOVE w._lock
RETURN w.id AS id, w.enabled AS enabled, w.cursor AS cursor,
       w.event_types AS event_types, w.filter AS filter
"""

ADVANCE: LiteralString = """
UNWIND $cursors AS c
MATCH (w:Webhook {id: c.id})
SET w.cursor = c.cursor
WITH count(w) AS advanced
UNWIND $rows AS r
MERGE (d:WebhookDelivery {webhook_id: r.webhook_id, event_id: r.event_id})
ON CREATE SET d.id = r.id, d.org_id = $org_id, d.event_type = r.event_type,
  d.event_seq = r.event_seq, d.body = r.body, d.ping = false, d.state = 'PENDING',
  d.attempts = 0, d.created_at = $at, d.next_attempt_at = $at, d.deadline_at = $deadline
RETURN count(d) AS created
"""


async def _fan_out_tx(
    tx: AsyncManagedTransaction,
    org_id: str,
    webhook_ids: Sequence[str],
    limit: int,
    retry_seconds: float,
) -> tuple[int, bool]:
    """One organisation: lock its webhooks behind the log (in id order, so two workers never
    wait for each other crosswise), re-read their cursors under the locks, read the log once
    from the oldest cursor, and create every webhook's deliveries and move every cursor in one
    statement."""
    locked = [
        row.data() async for row in await tx.run(LOCK_FOR_FAN_OUT, ids=sorted(set(webhook_ids)))
    ]
    hooks: list[tuple[str, int, EventSelector]] = []
    for row in locked:
        if not row["enabled"]:
            continue
        types: list[str] = row["event_types"] or []
        selector = EventSelector.of(
            [EventType(t) for t in types] or None, EventFilter.from_json(row["filter"])
        )
        hooks.append((row["id"], int(row["cursor"] or 0), selector))
    if not hooks:
        return 0, False
    oldest = min(cursor for _, cursor, _ in hooks)
    result = await tx.run(EVENTS_AFTER, org_id=org_id, after=oldest, limit=limit, types=None)
    events = [event_record(row["event"]) async for row in result]
    if not events:
        return 0, False
    last = events[-1].seq
    bodies: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    cursors: list[dict[str, Any]] = []
    for webhook_id, cursor, selector in hooks:
        if last <= cursor:
            continue  # ahead of what this read reached: the next call gets its events
        cursors.append({"id": webhook_id, "cursor": last})
        for event in events:
            if event.seq <= cursor or not selector.matches(event):
                continue
            body = bodies.get(event.id)
            if body is None:
                body = bodies[event.id] = json.dumps(event_body(event), separators=(",", ":"))
            rows.append(
                {
                    "id": new_id(),
                    "webhook_id": webhook_id,
                    "event_id": event.id,
                    "event_type": event.type.value,
                    "event_seq": event.seq,
                    "body": body,
                }
            )
    at = now()
    await (
        await tx.run(
            ADVANCE,
            cursors=cursors,
            rows=rows,
            org_id=org_id,
            at=at,
            deadline=at + timedelta(seconds=retry_seconds),
        )
    ).consume()
    # Cut off: every webhook is now at `last` or beyond, and the log goes on after it.
    return len(rows), len(events) == limit


async def fan_out(graph: Graph, *, retry_seconds: float, limit: int = 500) -> tuple[int, bool]:
    """Queue a delivery per webhook for every matching event among the next `limit` after the
    oldest cursor of an organisation's webhooks behind the log, for every such organisation;
    (how many were queued, whether any webhook may still be behind). Safe to run in several
    processes at once: each event reaches each webhook once. One read of the log and one write
    per organisation per call, so a burst is fanned out while it is delivered."""
    record = await graph.read_record(BEHIND)
    behind: list[dict[str, Any]] = [] if record is None else record["behind"]
    results = await asyncio.gather(
        *(
            graph.write(_fan_out_tx, row["org_id"], row["ids"], limit, retry_seconds)
            for row in behind
        )
    )
    return sum(created for created, _ in results), any(more for _, more in results)


# ---- claims ------------------------------------------------------------------------------------

LOCK_DUE: LiteralString = """
MATCH (d:WebhookDelivery)
WHERE d.state = 'PENDING' AND d.next_attempt_at <= $now AND NOT d.webhook_id IN $skip
WITH d ORDER BY d.next_attempt_at
LIMIT $limit
SET d._lock = true
REMOVE d._lock
RETURN d.id AS id
"""

# Read before a worker's claim: an idle worker (no webhooks, nothing due) then polls with one
# auto-commit read instead of a write transaction every `poll_seconds`.
ANY_DUE: LiteralString = """
MATCH (d:WebhookDelivery)
WHERE d.state = 'PENDING' AND d.next_attempt_at <= $now AND NOT d.webhook_id IN $skip
RETURN d.id AS id
LIMIT 1
"""

LOCK_DUE_OF: LiteralString = """
UNWIND $webhook_ids AS webhook_id
MATCH (d:WebhookDelivery {webhook_id: webhook_id})
WHERE d.state = 'PENDING' AND d.next_attempt_at <= $now AND NOT d.webhook_id IN $skip
WITH d ORDER BY d.next_attempt_at
LIMIT $limit
SET d._lock = true
REMOVE d._lock
RETURN d.id AS id
"""

LEASE: LiteralString = """
UNWIND $ids AS wanted
MATCH (d:WebhookDelivery {id: wanted})
USING INDEX d:WebhookDelivery(id)
WHERE d.state = 'PENDING' AND d.next_attempt_at <= $now
  AND (d.lease_until IS NULL OR d.lease_until <= $now)
MATCH (w:Webhook {id: d.webhook_id}) WHERE w.enabled
SET d.lease_owner = $owner, d.lease_until = $lease_until, d.next_attempt_at = $lease_until,
    d.attempts = coalesce(d.attempts, 0) + 1, d.last_attempt_at = $now
RETURN d.id AS id, d.webhook_id AS webhook_id, d.org_id AS org_id, d.event_id AS event_id,
       d.event_type AS event_type, d.body AS body, d.attempts AS attempts,
       d.deadline_at AS deadline_at, coalesce(d.ping, false) AS ping, w.url AS url,
       w.secret AS current, w.previous_secret AS previous,
       w.previous_secret_until AS previous_until
"""


def claimed_delivery(row: dict[str, Any]) -> ClaimedDelivery:
    return ClaimedDelivery(
        id=row["id"],
        webhook_id=row["webhook_id"],
        org_id=row["org_id"],
        url=row["url"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        body=row["body"],
        attempts=int(row["attempts"]),
        deadline_at=_date(row["deadline_at"]) or now(),
        secrets=SealedSecrets(row["current"], row["previous"], _date(row["previous_until"])),
        ping=bool(row["ping"]),
    )


async def _claim_tx(
    tx: AsyncManagedTransaction,
    owner: str,
    limit: int,
    lease_seconds: float,
    webhook_ids: Sequence[str] | None,
    skip: Sequence[str],
) -> list[ClaimedDelivery]:
    at = now()
    # Two statements: the lock first, then a fresh read of what another worker may have
    # changed while this one waited for it (a predicate read before the lock could be stale).
    if webhook_ids is None:
        locked = await tx.run(LOCK_DUE, now=at, limit=limit, skip=list(skip))
    else:
        locked = await tx.run(
            LOCK_DUE_OF, webhook_ids=list(webhook_ids), now=at, limit=limit, skip=list(skip)
        )
    ids = [row["id"] async for row in locked]
    if not ids:
        return []
    rows = await tx.run(
        LEASE,
        ids=ids,
        now=at,
        owner=owner,
        lease_until=at + timedelta(seconds=lease_seconds),
    )
    return [claimed_delivery(row.data()) async for row in rows]


async def claim_due(
    graph: Graph,
    *,
    owner: str,
    limit: int,
    lease_seconds: float,
    webhook_ids: Sequence[str] | None = None,
    skip: Sequence[str] = (),
) -> list[ClaimedDelivery]:
    """Up to `limit` due deliveries of enabled webhooks (of `webhook_ids` only, when given;
    none of `skip`), oldest due first, leased to `owner` for `lease_seconds`; no other worker
    gets them until the lease has expired."""
    if webhook_ids is None and await graph.read_record(ANY_DUE, now=now(), skip=list(skip)) is None:
        return []
    return await graph.write(_claim_tx, owner, limit, lease_seconds, webhook_ids, skip)


# ---- results ---------------------------------------------------------------------------------

LOCK_DELIVERIES: LiteralString = """
UNWIND $ids AS wanted
MATCH (d:WebhookDelivery {id: wanted})
SET d._lock = true
REMOVE d._lock
"""

# A delivery redelivered while an attempt was in flight (`redeliver`) stays due: the attempt's
# outcome is logged, and the event goes out again.
RECORD: LiteralString = """
UNWIND $results AS r
MATCH (d:WebhookDelivery {id: r.id})
WHERE d.lease_owner = $owner
SET d.state = CASE
      WHEN coalesce(d.redeliver, false) AND d.state = 'PAUSED' THEN 'PAUSED'
      WHEN coalesce(d.redeliver, false) THEN 'PENDING'
      WHEN d.state = 'PAUSED' AND r.state = 'PENDING' THEN 'PAUSED'
      ELSE r.state END,
    d.next_attempt_at = CASE WHEN coalesce(d.redeliver, false) THEN r.at
                             ELSE r.next_attempt_at END,
    d.redeliver = null,
    d.lease_owner = null,
    d.lease_until = null
WITH d, r
CALL (d, r) {
  WITH d, r WHERE r.released
  SET d.attempts = d.attempts - 1, d.last_error = r.error
}
CALL (d, r) {
  WITH d, r WHERE NOT r.released
  SET d.last_attempt_at = r.at,
      d.delivered_at = CASE WHEN r.ok THEN r.at ELSE d.delivered_at END,
      d.response_status = r.status,
      d.response_body = r.response_body,
      d.latency_ms = r.latency_ms,
      d.last_error = r.error
}
RETURN d.id AS id
"""

LOCK_WEBHOOKS: LiteralString = """
UNWIND $ids AS wanted
MATCH (w:Webhook {id: wanted})
SET w._lock = true
REMOVE w._lock
"""

COUNT_FAILURES: LiteralString = """
UNWIND $counts AS c
MATCH (w:Webhook {id: c.id})
WITH w, c, CASE WHEN c.reset THEN c.failures
                ELSE coalesce(w.consecutive_failures, 0) + c.failures END AS failures
SET w.consecutive_failures = failures
WITH w, c, failures
WHERE w.enabled AND $disable_after > 0 AND failures >= $disable_after
SET w.enabled = false, w.disabled_at = $at,
    w.disabled_reason = 'disabled after ' + toString(failures) +
      ' consecutive failed delivery attempts; last error: ' + coalesce(c.last_error, 'unknown')
RETURN w.id AS id, w.org_id AS org_id, failures, c.last_error AS last_error
"""


def _failure_runs(results: Sequence[AttemptResult]) -> list[dict[str, Any]]:
    """Per webhook, in the order attempts ended: whether a success reset the count, and the
    failures after the last success."""
    runs: dict[str, dict[str, Any]] = {}
    for result in sorted(results, key=lambda r: r.at):
        if not result.counts:
            continue
        run = runs.setdefault(
            result.webhook_id,
            {"id": result.webhook_id, "reset": False, "failures": 0, "last_error": None},
        )
        if result.ok:
            run.update(reset=True, failures=0)
        else:
            run["failures"] += 1
            run["last_error"] = result.error or (
                None if result.status is None else f"HTTP {result.status}"
            )
    return [runs[k] for k in sorted(runs)]


async def _record_tx(
    tx: AsyncManagedTransaction,
    owner: str,
    results: Sequence[AttemptResult],
    disable_after: int,
    retry_seconds: float,
) -> list[str]:
    await (await tx.run(LOCK_DELIVERIES, ids=sorted(r.delivery_id for r in results))).consume()
    recorded_rows = await tx.run(
        RECORD,
        owner=owner,
        results=[
            {
                "id": r.delivery_id,
                "ok": r.ok,
                "state": r.state.value,
                "at": r.at,
                "next_attempt_at": r.next_attempt_at,
                "status": r.status,
                "error": r.error,
                "latency_ms": r.latency_ms,
                "response_body": r.response_body,
                "released": r.released,
            }
            for r in results
        ],
    )
    recorded = {row["id"] async for row in recorded_rows}
    counts = _failure_runs([r for r in results if r.delivery_id in recorded])
    if not counts:
        return []
    await (await tx.run(LOCK_WEBHOOKS, ids=[c["id"] for c in counts])).consume()
    at = now()
    disabled = [
        row.data()
        async for row in await tx.run(
            COUNT_FAILURES, counts=counts, disable_after=disable_after, at=at
        )
    ]
    for row in disabled:
        await set_paused_tx(tx, row["id"], paused=True, at=at, retry_seconds=retry_seconds)
        await record_audit_tx(
            tx,
            org_id=row["org_id"],
            actor=SYSTEM_ACTOR,
            action="webhook.disable",
            target_kind="Webhook",
            target_id=row["id"],
            details={"consecutive_failures": row["failures"], "last_error": row["last_error"]},
        )
    return [row["id"] for row in disabled]


async def record_results(
    graph: Graph,
    *,
    owner: str,
    results: Sequence[AttemptResult],
    disable_after: int,
    retry_seconds: float,
) -> list[str]:
    """Store the outcomes of attempts `owner` holds the lease of (others are ignored: their
    lease expired and another worker owns them now), in one transaction; the ids of webhooks
    this disabled for reaching `disable_after` consecutive failures (0: never)."""
    if not results:
        return []
    return await graph.write(_record_tx, owner, results, disable_after, retry_seconds)
