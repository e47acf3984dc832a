"""The webhook worker every API process runs: fan events out into deliveries, claim due ones
with a lease, send them concurrently, record the outcomes in batches.

Nothing is shared between processes but Neo4j (`graph.events.deliveries` serialises what must
be), so any number of replicas deliver each event to each webhook once per attempt. The worker
spends a handful of transactions however many deliveries it moves: one read to find webhooks
behind the log (every `poll_seconds`), one write per organisation with new events (a read of
its log, fanned out to all its webhooks at once), one claim for up to `CONCURRENCY`
deliveries, one write for every batch of finished attempts. While work is flowing it does not
sleep: fan-out wakes the claimer, finished attempts wake the recorder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable

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

CONCURRENCY = 128
"""Attempts in flight per worker at most; also the largest claim, so a burst costs one claim
transaction per this many deliveries."""
FAN_OUT_BATCH = 500
SKIP_UNREADABLE_SECONDS = 60.0
"""How long a worker leaves alone a webhook whose secret it could not open (another replica,
with the right key, delivers it meanwhile; then this one looks again, e.g. after a rotation)."""
ERROR_PAUSE_SECONDS = 1.0


class WebhookWorker:
    """Three loops over one Neo4j and one set of HTTP clients, so none waits for another's
    round trips: fan-out (every `poll_seconds`, at once while a backlog remains), claiming
    (whenever slots are free and deliveries are known or polled to be due) and recording
    (each batch of finished attempts in one transaction)."""

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
        self.queued = asyncio.Event()
        """Set when fan-out queued deliveries or a slot freed up: claim without waiting."""
        self.finished = asyncio.Event()
        """Set when an attempt finished: its result waits to be recorded."""
        self.unreadable: dict[str, float] = {}
        """Webhook id -> until when (monotonic) this worker does not claim its deliveries."""

    @property
    def lease_seconds(self) -> float:
        return self.settings.timeout_seconds + LEASE_MARGIN_SECONDS

    async def run(self) -> None:
        """Work until cancelled; a failing step (Neo4j down) is logged and retried."""
        async with Clients(self.settings) as clients:
            loops = [
                asyncio.create_task(self._forever(self.fan_out_step)),
                asyncio.create_task(self._forever(lambda: self.claim_step(clients))),
                asyncio.create_task(self._forever(self.record_step)),
            ]
            try:
                await asyncio.gather(*loops)
            finally:
                for task in [*loops, *self.in_flight]:
                    task.cancel()
                for task in [*loops, *list(self.in_flight)]:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _forever(self, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Unavailable as error:
                log.warning("webhook worker: %s", error.message)
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
            except Exception:
                log.exception("webhook worker step failed; retrying")
                await asyncio.sleep(ERROR_PAUSE_SECONDS)

    async def _wait(self, event: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.settings.poll_seconds)
        event.clear()

    async def fan_out_step(self) -> None:
        queued, more = await fan_out(
            self.graph, retry_seconds=self.settings.retry_seconds, limit=FAN_OUT_BATCH
        )
        if queued:
            self.queued.set()
        if not more:
            await asyncio.sleep(self.settings.poll_seconds)

    async def claim_step(self, clients: Clients) -> None:
        free = self.concurrency - len(self.in_flight)
        if free * 2 < self.concurrency and self.in_flight:
            await self._wait(self.queued)  # claim in batches, not per freed slot
            return
        clock = time.monotonic()
        self.unreadable = {k: until for k, until in self.unreadable.items() if until > clock}
        claimed = await claim_due(
            self.graph,
            owner=self.owner,
            limit=free,
            lease_seconds=self.lease_seconds,
            skip=sorted(self.unreadable),
        )
        for delivery in claimed:
            task = asyncio.create_task(self._attempt(delivery, clients))
            self.in_flight.add(task)
            task.add_done_callback(self._done)
        if len(claimed) < free:  # nothing more due now: wait for fan-out or the poll
            await self._wait(self.queued)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        if len(self.in_flight) * 2 <= self.concurrency:
            self.queued.set()

    async def record_step(self) -> None:
        if not self.results:
            await self._wait(self.finished)
            return
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
            self.results = done + self.results  # kept until stored (or their leases end)
            raise

    async def _attempt(self, delivery: ClaimedDelivery, clients: Clients) -> None:
        try:
            result = await deliver(delivery, clients, self.settings, self.resolver)
        except Exception:
            log.exception("webhook delivery crashed", extra={"delivery_id": delivery.id})
            return  # its lease expires and another attempt follows
        if result.released:
            self.unreadable[delivery.webhook_id] = time.monotonic() + SKIP_UNREADABLE_SECONDS
        self.results.append(result)
        self.finished.set()


async def run_webhook_worker(
    graph: Graph,
    settings: WebhookSettings,
    *,
    resolver: Resolver | None = None,
    owner: str | None = None,
) -> None:
    """Fan events out to webhooks and deliver them until cancelled."""
    await WebhookWorker(graph, settings, resolver=resolver, owner=owner).run()
