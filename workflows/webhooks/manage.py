"""Webhook management as the API offers it: the parts that need more than Neo4j (the URL
guard, sealing secrets with the server key, sending a ping), around `graph.events.webhooks`.

A signing secret leaves the server twice only: in the answer to the create or rotate that made
it. It is stored sealed and no read returns it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta

from graph.core.driver import Graph
from graph.core.errors import InvalidInput
from graph.core.events import EventType
from graph.core.values import new_id, now
from graph.events import delivery_log, webhooks
from graph.events.deliveries import record_results
from graph.events.delivery_log import DeliveryRecord
from graph.events.filters import EventFilter
from graph.events.webhooks import WebhookChange, WebhookRecord
from graph.events.wire import global_id
from workflows.webhooks.delivery import deliver
from workflows.webhooks.secret_box import seal
from workflows.webhooks.sender import Clients
from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.signing import new_secret
from workflows.webhooks.url_guard import Resolver, check_url

MAX_OVERLAP_SECONDS = 7 * 24 * 3600
LEASE_MARGIN_SECONDS = 5.0
"""A lease outlasts the attempt's timeout by this much, so a slow but live worker keeps it."""


async def create_webhook(
    graph: Graph,
    settings: WebhookSettings,
    *,
    org: str,
    url: str,
    event_types: Sequence[EventType] = (),
    filter: EventFilter | None = None,
    description: str = "",
    actor: str,
    resolver: Resolver | None = None,
) -> tuple[WebhookRecord, str]:
    """A new webhook and its signing secret (the only time the secret is readable)."""
    await check_url(url, settings, resolver)
    webhook_id = new_id()
    secret = new_secret()
    record = await webhooks.create_webhook(
        graph,
        webhook_id=webhook_id,
        org=org,
        url=url,
        sealed_secret=seal(settings.secret_key, secret, context=webhook_id),
        event_types=event_types,
        filter=filter,
        description=description,
        actor=actor,
    )
    return record, secret


async def update_webhook(
    graph: Graph,
    settings: WebhookSettings,
    webhook_id: str,
    change: WebhookChange,
    *,
    actor: str,
    resolver: Resolver | None = None,
) -> WebhookRecord:
    """Apply `change`; a new URL passes the same guard as at creation."""
    if change.url is not None:
        await check_url(change.url, settings, resolver)
    return await webhooks.update_webhook(
        graph, webhook_id, change, actor=actor, retry_seconds=settings.retry_seconds
    )


async def rotate_secret(
    graph: Graph,
    settings: WebhookSettings,
    webhook_id: str,
    *,
    overlap_seconds: int,
    actor: str,
) -> tuple[WebhookRecord, str]:
    """A new signing secret (returned once); the old one also signs for `overlap_seconds`."""
    if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise InvalidInput(
            f"overlapSeconds must be between 0 and {MAX_OVERLAP_SECONDS}", field="overlapSeconds"
        )
    secret = new_secret()
    until: datetime | None = (
        now() + timedelta(seconds=overlap_seconds) if overlap_seconds > 0 else None
    )
    record = await webhooks.rotate_secret(
        graph,
        webhook_id,
        sealed_secret=seal(settings.secret_key, secret, context=webhook_id),
        overlap_until=until,
        actor=actor,
    )
    return record, secret


async def redeliver(
    graph: Graph, settings: WebhookSettings, webhook_id: str, event_id: str
) -> DeliveryRecord:
    """Queue the event for the webhook again, due now (the worker sends it)."""
    return await delivery_log.redeliver(
        graph, webhook_id, event_id, retry_seconds=settings.retry_seconds
    )


def ping_body(webhook: WebhookRecord, event_id: str, actor: str) -> str:
    """A body in the shape of every event's (`graph.events.wire.event_body`), type PING."""
    return json.dumps(
        {
            "id": event_id,
            "type": delivery_log.PING,
            "cursor": None,
            "time": now().isoformat().replace("+00:00", "Z"),
            "organization": webhook.org_name,
            "actor": actor,
            "object": {"type": "Webhook", "id": global_id("Webhook", webhook.id), "path": None},
            "scope": {
                "project": None,
                "artifact": None,
                "registry": None,
                "collection": None,
                "alias": None,
            },
            "payload": {"url": webhook.url},
        },
        separators=(",", ":"),
    )


async def ping_webhook(
    graph: Graph,
    settings: WebhookSettings,
    webhook: WebhookRecord,
    *,
    actor: str,
    resolver: Resolver | None = None,
) -> DeliveryRecord:
    """Send a PING delivery now (enabled or not) and return it with its outcome; it is in the
    delivery log, never retried, and does not count towards disabling the webhook."""
    owner = f"ping:{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
    event_id = new_id()
    claimed = await delivery_log.create_ping(
        graph,
        webhook.id,
        event_id=event_id,
        body=ping_body(webhook, event_id, actor),
        owner=owner,
        lease_seconds=settings.timeout_seconds + LEASE_MARGIN_SECONDS,
    )
    async with Clients(settings) as clients:
        result = await deliver(claimed, clients, settings, resolver)
    await record_results(
        graph,
        owner=owner,
        results=[result],
        disable_after=settings.disable_after_failures,
        retry_seconds=settings.retry_seconds,
    )
    delivered = await delivery_log.get_delivery(graph, claimed.id)
    assert delivered is not None
    return delivered
