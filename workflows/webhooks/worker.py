"""The webhook worker every API process runs: fan events out into deliveries, claim due ones
with a lease, send them concurrently, record the outcomes in batches.

Nothing is shared between processes but Neo4j (`graph.events.deliveries` serialises what must
be), so any number of replicas deliver each event to each webhook once per attempt. Per cycle
the worker spends a handful of transactions however many deliveries it moves: one read to find
webhooks behind the log (every `poll_seconds`), one write per webhook with new events, one
claim for up to `CONCURRENCY` deliveries, one write for every batch of finished attempts.
While work is flowing it does not sleep: a finished attempt wakes it to record and claim more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time

from graph.core.driver import Graph
from graph.core.errors import Unavailable
from graph.core.values import new_id
from graph.events.deliveries import (
    AttemptResult,
    ClaimedDelivery,
    claim_due,
    fan_out,
    record_results,
)
from workflows.webhooks.delivery import deliver
from workflows.webhooks.manage import LEASE_MARGIN_SECONDS
from workflows.webhooks.sender import Clients
from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.url_guard import Resolver

log = logging.getLogger("lineage.webhooks")

CONCURRENCY = 32
"""Attempts in flight per worker at most."""
FAN_OUT_BATCH = 500
ERROR_PAUSE_SECONDS = 1.0


class WebhookWorker:
    def __init__(
        self,
        graph: Graph,
        settings: WebhookSettings,
        *,
        resolver: Resolver | None = None,
        owner: str | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.graph = graph
        self.settings = settings
        self.resolver = resolver
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
        self.concurrency = concurrency
        self.in_flight: set[asyncio.Task[None]] = set()
        self.results: list[AttemptResult] = []
        self.wake = asyncio.Event()
        self.next_fan_out = 0.0
        self.next_claim = 0.0
        self.claim_now = True

    @property
    def lease_seconds(self) -> float:
        return self.settings.timeout_seconds + LEASE_MARGIN_SECONDS

    async def run(self) -> None:
        """Work until cancelled; a failing cycle (Neo4j down) is logged and retried."""
        async with Clients(self.settings, max_connections=self.concurrency) as clients:
            try:
                while True:
                    try:
                        busy = await self.cycle(clients)
                    except asyncio.CancelledError:
                        raise
                    except Unavailable as error:
                        log.warning("webhook worker: %s", error.message)
                        busy = False
                        await asyncio.sleep(ERROR_PAUSE_SECONDS)
                    except Exception:
                        log.exception("webhook worker cycle failed; retrying")
                        busy = False
                        await asyncio.sleep(ERROR_PAUSE_SECONDS)
                    if not busy:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.wake.wait(), self.settings.poll_seconds)
                    self.wake.clear()
            finally:
                for task in self.in_flight:
                    task.cancel()
                for task in list(self.in_flight):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def cycle(self, clients: Clients) -> bool:
        """One round of fan-out, recording and claiming; whether it moved anything."""
        busy = False
        clock = time.monotonic()
        if clock >= self.next_fan_out:
            self.next_fan_out = clock + self.settings.poll_seconds
            if await fan_out(
                self.graph, retry_seconds=self.settings.retry_seconds, limit=FAN_OUT_BATCH
            ):
                busy = self.claim_now = True
        if self.results:
            done, self.results = self.results, []
            try:
                await record_results(
                    self.graph,
                    owner=self.owner,
                    results=done,
                    disable_after=self.settings.disable_after_failures,
                    retry_seconds=self.settings.retry_seconds,
                )
            except BaseException:
                self.results = done + self.results  # kept until they are stored (or leases end)
                raise
            busy = True
        free = self.concurrency - len(self.in_flight)
        # Claim on the poll clock, or at once while a backlog is known and half the slots are
        # free (not per freed slot: that would be a transaction per delivery).
        backlog = self.claim_now and (free * 2 >= self.concurrency or not self.in_flight)
        if free > 0 and (backlog or clock >= self.next_claim):
            self.next_claim = clock + self.settings.poll_seconds
            claimed = await claim_due(
                self.graph, owner=self.owner, limit=free, lease_seconds=self.lease_seconds
            )
            self.claim_now = len(claimed) == free  # a full claim: more are probably due
            for delivery in claimed:
                task = asyncio.create_task(self._attempt(delivery, clients))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
            busy = busy or bool(claimed)
        return busy

    async def _attempt(self, delivery: ClaimedDelivery, clients: Clients) -> None:
        try:
            result = await deliver(delivery, clients, self.settings, self.resolver)
        except Exception:
            log.exception("webhook delivery crashed", extra={"delivery_id": delivery.id})
            return  # its lease expires and another attempt follows
        self.results.append(result)
        self.wake.set()


async def run_webhook_worker(
    graph: Graph,
    settings: WebhookSettings,
    *,
    resolver: Resolver | None = None,
    owner: str | None = None,
) -> None:
    """Fan events out to webhooks and deliver them until cancelled."""
    await WebhookWorker(graph, settings, resolver=resolver, owner=owner).run()
