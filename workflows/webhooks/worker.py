"""The webhook worker every API process runs: STUB, to be written."""

from __future__ import annotations

import asyncio

from graph.core.driver import Graph
from workflows.webhooks.settings import WebhookSettings


async def run_webhook_worker(graph: Graph, settings: WebhookSettings) -> None:
    """Fan events out to webhooks and deliver them until cancelled."""
    await asyncio.Event().wait()
