"""Webhook nodes: an organisation's registered receivers, their selectors, their fan-out cursor
and their signing secrets (stored sealed: this module never sees a secret in the clear; the
caller seals and opens them, see `workflows.webhooks.secret_box`).

```
(:Webhook {id, org_id, url, description, event_types (list; empty: every type), filter (JSON),
  enabled, disabled_at, disabled_reason, consecutive_failures, cursor (last event seq
  considered), secret, previous_secret, previous_secret_until, secret_rotated_at,
  created_at, created_by, updated_at})
```
`cursor` starts at the organisation's last event `seq` at creation, so a new webhook receives
only events that happen after it exists. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import InvalidInput, LimitExceeded, NotFound
from graph.core.events import EventType
from graph.core.tx import fetch_all, fetch_one, fetch_page
from graph.core.values import from_micros, new_id, now
from graph.events.filters import EventFilter, EventSelector

MAX_WEBHOOKS_PER_ORG = 100
MAX_DESCRIPTION_LENGTH = 4096


@dataclass(frozen=True)
class WebhookRecord:
    id: str
    org_id: str
    org_name: str
    url: str
    description: str
    event_types: tuple[EventType, ...]
    """Empty: every type."""
    filter: EventFilter
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    consecutive_failures: int
    cursor: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    secret_rotated_at: datetime | None
    previous_secret_until: datetime | None

    @property
    def selector(self) -> EventSelector:
        return EventSelector.of(self.event_types or None, self.filter)


@dataclass(frozen=True)
class SealedSecrets:
    """A webhook's signing secrets as stored (sealed); `previous` signs until `previous_until`."""

    current: str
    previous: str | None
    previous_until: datetime | None


WEBHOOK_FIELDS: LiteralString = """w {
  .id, .org_id, .url, .description, .event_types, .filter, .enabled, .disabled_reason,
  .consecutive_failures, .cursor, .created_by,
  org_name: o.name,
  disabled_at: w.disabled_at.epochSeconds * 1000000 + w.disabled_at.microsecond,
  created_at: w.created_at.epochSeconds * 1000000 + w.created_at.microsecond,
  updated_at: w.updated_at.epochSeconds * 1000000 + w.updated_at.microsecond,
  secret_rotated_at: w.secret_rotated_at.epochSeconds * 1000000 + w.secret_rotated_at.microsecond,
  previous_secret_until:
    w.previous_secret_until.epochSeconds * 1000000 + w.previous_secret_until.microsecond
}"""


def webhook_record(row: dict[str, Any]) -> WebhookRecord:
    created = from_micros(row["created_at"]) or now()
    types: list[str] = row["event_types"] or []
    return WebhookRecord(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"] or "",
        url=row["url"],
        description=row["description"] or "",
        event_types=tuple(EventType(t) for t in types),
        filter=EventFilter.from_json(row["filter"]),
        enabled=bool(row["enabled"]),
        disabled_at=from_micros(row["disabled_at"]),
        disabled_reason=row["disabled_reason"],
        consecutive_failures=int(row["consecutive_failures"] or 0),
        cursor=int(row["cursor"] or 0),
        created_at=created,
        created_by=row["created_by"] or "",
        updated_at=from_micros(row["updated_at"]) or created,
        secret_rotated_at=from_micros(row["secret_rotated_at"]),
        previous_secret_until=from_micros(row["previous_secret_until"]),
    )


def _description(value: str) -> str:
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value


# The organisation is made on first use, as a run or a project makes it (the caller was
# authorised to claim it).
CREATE_WEBHOOK: LiteralString = (
    """
MERGE (o:Organization {name: $org})
  ON CREATE SET o.id = $org_id, o.created_at = $at
WITH o
OPTIONAL MATCH (s:EventSequence {org_id: o.id})
OPTIONAL MATCH (other:Webhook {org_id: o.id})
WITH o, s, count(other) AS existing
WHERE existing < $max_per_org
CREATE (w:Webhook {
  id: $id, org_id: o.id, url: $url, description: $description, event_types: $event_types,
  filter: $filter, enabled: true, consecutive_failures: 0, cursor: coalesce(s.last, 0),
  secret: $secret, created_at: $at, created_by: $actor, updated_at: $at
})
RETURN """
    + WEBHOOK_FIELDS
    + """ AS webhook"""
)


async def _create_webhook_tx(
    tx: AsyncManagedTransaction, /, actor: str, **params: Any
) -> WebhookRecord:
    row = await (await tx.run(CREATE_WEBHOOK, params, actor=actor)).single()
    if row is None:
        raise LimitExceeded(
            f"An organisation has at most {MAX_WEBHOOKS_PER_ORG} webhooks", field="organization"
        )
    record = webhook_record(row["webhook"])
    await record_audit_tx(
        tx,
        org_id=record.org_id,
        actor=actor,
        action="webhook.create",
        target_kind="Webhook",
        target_id=record.id,
        details={"url": record.url},
    )
    return record


async def create_webhook(
    graph: Graph,
    *,
    webhook_id: str,
    org: str,
    url: str,
    sealed_secret: str,
    event_types: Sequence[EventType] = (),
    filter: EventFilter | None = None,
    description: str = "",
    actor: str,
) -> WebhookRecord:
    """A new, enabled webhook of `org` whose cursor is the organisation's newest event.
    `webhook_id` is chosen by the caller, who sealed the secret for it."""
    return await graph.write(
        _create_webhook_tx,
        actor,
        id=webhook_id,
        org=org,
        org_id=new_id(),
        url=url,
        secret=sealed_secret,
        event_types=sorted({t.value for t in event_types}),
        filter=(filter or EventFilter()).to_json(),
        description=_description(description),
        at=now(),
        max_per_org=MAX_WEBHOOKS_PER_ORG,
    )


GET_WEBHOOKS: LiteralString = (
    """
UNWIND $ids AS wanted
MATCH (w:Webhook {id: wanted})
MATCH (o:Organization {id: w.org_id})
RETURN """
    + WEBHOOK_FIELDS
    + """ AS webhook"""
)


async def webhooks_by_ids(graph: Graph, ids: Sequence[str]) -> list[WebhookRecord | None]:
    """The webhooks in `ids` order, None where there is none."""
    rows = await graph.read(fetch_all, GET_WEBHOOKS, ids=list(ids))
    found = {r.id: r for r in (webhook_record(row["webhook"]) for row in rows)}
    return [found.get(i) for i in ids]


async def get_webhook(graph: Graph, webhook_id: str) -> WebhookRecord | None:
    (record,) = await webhooks_by_ids(graph, [webhook_id])
    return record


async def require_webhook(
    graph: Graph, webhook_id: str, *, field: str = "webhookId"
) -> WebhookRecord:
    record = await get_webhook(graph, webhook_id)
    if record is None:
        raise NotFound("Webhook not found", field=field)
    return record


COUNT_WEBHOOKS: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (w:Webhook {org_id: o.id})
RETURN count(w) AS total
"""

PAGE_WEBHOOKS: LiteralString = (
    """
MATCH (o:Organization {name: $org})
MATCH (w:Webhook {org_id: o.id})
WITH o, w ORDER BY w.created_at, w.id
SKIP $offset LIMIT $limit
RETURN """
    + WEBHOOK_FIELDS
    + """ AS webhook"""
)


async def list_webhooks(
    graph: Graph, org: str, *, offset: int, limit: int
) -> tuple[list[WebhookRecord], int]:
    """One page of `org`'s webhooks, oldest first, and how many it has."""
    rows, total = await graph.read(
        fetch_page, COUNT_WEBHOOKS, PAGE_WEBHOOKS, org=org, offset=offset, limit=limit
    )
    return [webhook_record(row["webhook"]) for row in rows], total


@dataclass(frozen=True)
class WebhookChange:
    """Fields to change; None keeps a field as it is."""

    url: str | None = None
    description: str | None = None
    event_types: Sequence[EventType] | None = None
    filter: EventFilter | None = None
    enabled: bool | None = None


UPDATE_WEBHOOK: LiteralString = (
    """
MATCH (w:Webhook {id: $id})
MATCH (o:Organization {id: w.org_id})
SET w._lock = true
REMOVE w._lock
WITH w, o, w.enabled AS was_enabled
SET w.url = coalesce($url, w.url),
    w.description = coalesce($description, w.description),
    w.event_types = coalesce($event_types, w.event_types),
    w.filter = coalesce($filter, w.filter),
    w.enabled = coalesce($enabled, w.enabled),
    w.updated_at = $at
WITH w, o, was_enabled
CALL (w, was_enabled) {
  WITH w WHERE $enabled = true AND NOT was_enabled
  SET w.consecutive_failures = 0, w.disabled_at = null, w.disabled_reason = null
}
CALL (w, was_enabled) {
  WITH w WHERE $enabled = false AND was_enabled
  SET w.disabled_at = $at, w.disabled_reason = 'disabled by ' + $actor
}
RETURN """
    + WEBHOOK_FIELDS
    + """ AS webhook, was_enabled"""
)


async def _update_webhook_tx(
    tx: AsyncManagedTransaction,
    webhook_id: str,
    actor: str,
    change: WebhookChange,
    retry_seconds: float,
) -> WebhookRecord:
    at = now()
    row = await (
        await tx.run(
            UPDATE_WEBHOOK,
            id=webhook_id,
            actor=actor,
            at=at,
            url=change.url,
            description=None if change.description is None else _description(change.description),
            event_types=(
                None
                if change.event_types is None
                else sorted({t.value for t in change.event_types})
            ),
            filter=None if change.filter is None else change.filter.to_json(),
            enabled=change.enabled,
        )
    ).single()
    if row is None:
        raise NotFound("Webhook not found", field="webhookId")
    record = webhook_record(row["webhook"])
    was_enabled = bool(row["was_enabled"])
    if change.enabled is not None and change.enabled != was_enabled:
        await set_paused_tx(
            tx, webhook_id, paused=not change.enabled, at=at, retry_seconds=retry_seconds
        )
    changed = {
        k: v
        for k, v in {
            "url": change.url,
            "description": change.description,
            "event_types": None if change.event_types is None else record.event_types,
            "filter": None if change.filter is None else change.filter.to_json(),
            "enabled": change.enabled,
        }.items()
        if v is not None
    }
    action = "webhook.update"
    if change.enabled is not None and change.enabled != was_enabled:
        action = "webhook.enable" if change.enabled else "webhook.disable"
    await record_audit_tx(
        tx,
        org_id=record.org_id,
        actor=actor,
        action=action,
        target_kind="Webhook",
        target_id=record.id,
        details=changed,
    )
    return record


async def update_webhook(
    graph: Graph, webhook_id: str, change: WebhookChange, *, actor: str, retry_seconds: float
) -> WebhookRecord:
    """Apply `change` and audit it. Enabling a disabled webhook resets its failure count and
    resumes its paused deliveries (and its fan-out from where its cursor stopped); disabling
    pauses them."""
    return await graph.write(_update_webhook_tx, webhook_id, actor, change, retry_seconds)


PAUSE_DELIVERIES: LiteralString = """
MATCH (d:WebhookDelivery)  // every delivery has created_at: the (webhook_id, created_at) index
WHERE d.webhook_id = $id AND d.created_at IS NOT NULL AND d.state = 'PENDING'
SET d.state = 'PAUSED'
"""

RESUME_DELIVERIES: LiteralString = """
MATCH (d:WebhookDelivery)  // every delivery has created_at: the (webhook_id, created_at) index
WHERE d.webhook_id = $id AND d.created_at IS NOT NULL AND d.state = 'PAUSED'
SET d.state = 'PENDING', d.next_attempt_at = $at, d.deadline_at = $deadline
"""


async def set_paused_tx(
    tx: AsyncManagedTransaction,
    webhook_id: str,
    *,
    paused: bool,
    at: datetime,
    retry_seconds: float,
) -> None:
    """Park a disabled webhook's pending deliveries (so the claim query never scans them), or
    make them due again, with a fresh retry window, when it is enabled."""
    if paused:
        await (await tx.run(PAUSE_DELIVERIES, id=webhook_id)).consume()
    else:
        deadline = at + timedelta(seconds=retry_seconds)
        await (await tx.run(RESUME_DELIVERIES, id=webhook_id, at=at, deadline=deadline)).consume()


DELETE_WEBHOOK: LiteralString = """
MATCH (w:Webhook {id: $id})
WITH w, w.org_id AS org_id, w.url AS url
DETACH DELETE w
RETURN org_id, url
"""

DELETE_DELIVERIES_OF: LiteralString = """
MATCH (d:WebhookDelivery)  // every delivery has created_at: the (webhook_id, created_at) index
WHERE d.webhook_id = $id AND d.created_at IS NOT NULL
WITH d LIMIT $batch
DETACH DELETE d
RETURN count(*) AS deleted
"""


async def _delete_webhook_tx(tx: AsyncManagedTransaction, webhook_id: str, actor: str) -> bool:
    row = await (await tx.run(DELETE_WEBHOOK, id=webhook_id)).single()
    if row is None:
        return False
    await record_audit_tx(
        tx,
        org_id=row["org_id"],
        actor=actor,
        action="webhook.delete",
        target_kind="Webhook",
        target_id=webhook_id,
        details={"url": row["url"]},
    )
    return True


async def delete_webhook(graph: Graph, webhook_id: str, *, actor: str, batch: int = 5000) -> bool:
    """Delete the webhook (audited) and then its delivery log; False when there was none.
    Deliveries in flight finish, but their results find nothing to update."""
    deleted = await graph.write(_delete_webhook_tx, webhook_id, actor)
    while True:
        row = await graph.write(fetch_one, DELETE_DELIVERIES_OF, id=webhook_id, batch=batch)
        if row is None or int(row["deleted"]) < batch:
            return deleted


ROTATE_SECRET: LiteralString = (
    """
MATCH (w:Webhook {id: $id})
MATCH (o:Organization {id: w.org_id})
SET w._lock = true
REMOVE w._lock
SET w.previous_secret = CASE WHEN $overlap_until IS NULL THEN null ELSE w.secret END,
    w.previous_secret_until = $overlap_until,
    w.secret = $secret,
    w.secret_rotated_at = $at,
    w.updated_at = $at
RETURN """
    + WEBHOOK_FIELDS
    + """ AS webhook"""
)


async def _rotate_tx(
    tx: AsyncManagedTransaction, /, webhook_id: str, actor: str, **params: Any
) -> WebhookRecord:
    row = await (await tx.run(ROTATE_SECRET, params, id=webhook_id)).single()
    if row is None:
        raise NotFound("Webhook not found", field="webhookId")
    record = webhook_record(row["webhook"])
    await record_audit_tx(
        tx,
        org_id=record.org_id,
        actor=actor,
        action="webhook.rotate_secret",
        target_kind="Webhook",
        target_id=record.id,
        details={"previous_secret_until": params["overlap_until"]},
    )
    return record


async def rotate_secret(
    graph: Graph,
    webhook_id: str,
    *,
    sealed_secret: str,
    overlap_until: datetime | None,
    actor: str,
) -> WebhookRecord:
    """Make `sealed_secret` the signing secret; the one it replaces keeps signing too until
    `overlap_until` (None: it stops at once)."""
    return await graph.write(
        _rotate_tx, webhook_id, actor, secret=sealed_secret, overlap_until=overlap_until, at=now()
    )


SECRETS: LiteralString = """
MATCH (w:Webhook {id: $id})
RETURN w.secret AS current, w.previous_secret AS previous,
       w.previous_secret_until AS previous_until
"""


def sealed_secrets(row: dict[str, Any]) -> SealedSecrets:
    return SealedSecrets(
        current=row["current"],
        previous=row["previous"],
        previous_until=from_micros(row["previous_until"]),
    )


async def webhook_secrets(graph: Graph, webhook_id: str) -> SealedSecrets | None:
    """The sealed secrets, for the server's own signing only (never answered to a client)."""
    row = await graph.read(fetch_one, SECRETS, id=webhook_id)
    return None if row is None else sealed_secrets(row)
