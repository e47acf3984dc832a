"""An in-process API whose settings let webhooks reach the test receivers (http, loopback),
with its webhook worker running, as `lineage serve` runs it; and the GraphQL documents."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from api.app import create_app
from api.context import Services, webhook_settings
from api.settings import Settings
from graph.core.driver import Graph
from graph.core.tx import fetch_all
from graph.core.values import now
from graph.events import webhooks
from storage.base import BlobStore
from tests.conftest import ApiClient, SessionUser, test_settings
from workflows.webhooks.worker import run_webhook_worker

RECEIVER_SETTINGS: dict[str, Any] = {
    "webhook_allow_http": True,
    "webhook_allow_private_addresses": True,
    "webhook_backoff_seconds": 0.05,
    "webhook_timeout_seconds": 1.0,
    "webhook_retry_seconds": 60.0,
}

ERRORS = "errors { code message field }"
WEBHOOK = """
id organization url description eventTypes enabled disabledAt disabledReason
consecutiveFailures createdAt createdBy updatedAt secretRotatedAt previousSecretExpiresAt
filter { project artifact registry collection alias }
"""
DELIVERY = """
id eventId eventType eventCursor ping state attempts inFlight createdAt lastAttemptAt
nextAttemptAt giveUpAt deliveredAt responseStatus responseBody latencyMs lastError
"""

CREATE_WEBHOOK = f"""
mutation($input: CreateWebhookInput!) {{
  createWebhook(input: $input) {{ webhook {{ {WEBHOOK} }} secret {ERRORS} }}
}}
"""
UPDATE_WEBHOOK = f"""
mutation($input: UpdateWebhookInput!) {{
  updateWebhook(input: $input) {{ webhook {{ {WEBHOOK} }} {ERRORS} }}
}}
"""
DELETE_WEBHOOK = f"""
mutation($id: ID!) {{ deleteWebhook(input: {{webhookId: $id}}) {{ deletedWebhookId {ERRORS} }} }}
"""
ROTATE = f"""
mutation($id: ID!, $overlap: Int!) {{
  rotateWebhookSecret(input: {{webhookId: $id, overlapSeconds: $overlap}}) {{
    webhook {{ {WEBHOOK} }} secret {ERRORS}
  }}
}}
"""
REDELIVER = f"""
mutation($id: ID!, $event: ID!) {{
  redeliverEvent(input: {{webhookId: $id, eventId: $event}}) {{
    delivery {{ {DELIVERY} }} {ERRORS}
  }}
}}
"""
PING = f"""
mutation($id: ID!) {{
  pingWebhook(input: {{webhookId: $id}}) {{ delivery {{ {DELIVERY} webhook {{ id }} }} {ERRORS} }}
}}
"""
WEBHOOKS = f"""
query($org: String!) {{
  webhooks(organization: $org) {{ totalCount edges {{ node {{ {WEBHOOK} }} }} }}
}}
"""
DELIVERIES = f"""
query($id: ID!, $first: Int, $after: String, $state: WebhookDeliveryState) {{
  node(id: $id) {{
    ... on Webhook {{
      deliveries(first: $first, after: $after, state: $state) {{
        totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {DELIVERY} }} }}
      }}
    }}
  }}
}}
"""
CREATE_RUN = f"""
mutation($org: String!, $name: String!) {{
  createRun(input: {{organization: $org, project: "p", jobType: "train", name: $name}}) {{
    run {{ id }} {ERRORS}
  }}
}}
"""


@contextlib.asynccontextmanager
async def webhook_api(
    graph: Graph, blobs: BlobStore, user: SessionUser, **overrides: Any
) -> AsyncIterator[tuple[ApiClient, Settings]]:
    """The app over ASGI as `user`, with a webhook worker on `RECEIVER_SETTINGS` + `overrides`."""
    settings = test_settings(**{**RECEIVER_SETTINGS, **overrides})
    started = now()
    app = create_app(settings, services=Services(settings=settings, graph=graph, blobs=blobs))
    worker = asyncio.create_task(run_webhook_worker(graph, webhook_settings(settings)))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://lineage.test",
            headers=user.headers,
        ) as http:
            yield ApiClient(http=http), settings
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await delete_webhooks_since(graph, user.name, started)


async def delete_webhooks_since(graph: Graph, creator: str, since: datetime) -> None:
    """Delete the webhooks `creator` made since `since`: their receivers are gone, so no worker
    of a later test should go on retrying them."""
    rows = await graph.read(
        fetch_all,
        "MATCH (w:Webhook {created_by: $creator}) WHERE w.created_at >= $since RETURN w.id AS id",
        creator=creator,
        since=since,
    )
    for row in rows:
        await webhooks.delete_webhook(graph, row["id"], actor=creator)


async def create_webhook(
    api: ApiClient, org: str, url: str, **extra: Any
) -> tuple[dict[str, Any], str]:
    """A webhook through the API; (its fields, its secret)."""
    payload = (
        await api.data(CREATE_WEBHOOK, {"input": {"organization": org, "url": url, **extra}})
    )["createWebhook"]
    assert payload["errors"] == [], payload["errors"]
    return payload["webhook"], payload["secret"]


async def start_run(api: ApiClient, org: str, name: str) -> str:
    payload = (await api.data(CREATE_RUN, {"org": org, "name": name}))["createRun"]
    assert payload["errors"] == [], payload["errors"]
    return str(payload["run"]["id"])


async def deliveries(api: ApiClient, webhook_id: str, **variables: Any) -> dict[str, Any]:
    node = (await api.data(DELIVERIES, {"id": webhook_id, "first": 100, **variables}))["node"]
    result: dict[str, Any] = node["deliveries"]
    return result


async def eventually(check: Any, seconds: float = 30.0) -> Any:
    """Await `check()` until it returns something truthy, at most `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"still {value!r} after {seconds} s")
        await asyncio.sleep(0.05)
