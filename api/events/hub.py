"""One API process's follower of the event log: a single poll per interval for every
organisation that has subscribers here, fanned out to their queues.

Replicas share nothing in memory: each follows the log in Neo4j, so a subscriber on any replica
sees events committed through any other. A subscriber joins without gaps or duplicates (see
`subscribe`): it is registered for live events first, then replays the log from its cursor, and
drops live events it already replayed (the log is dense and visible in `seq` order, so the
replay's end is at or past where the live feed began).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from graph.core.driver import Graph
from graph.core.errors import LimitExceeded
from graph.events.log import EventRecord, events_after, events_after_in_orgs, log_bounds

log = logging.getLogger("lineage.events")

REPLAY_PAGE = 500
QUEUE_LIMIT = 10_000
"""Events one subscriber may fall behind by before it is cut off (it resumes with `after:`)."""
POLL_BATCH = 1_000


@dataclass(eq=False)
class _Subscriber:
    org_id: str
    queue: asyncio.Queue[EventRecord | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT)
    )
    overflowed: bool = False

    def offer(self, event: EventRecord) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.get_nowait()
            self.queue.put_nowait(None)  # wakes the reader, which ends the subscription


class EventHub:
    """Created per app; its poller runs only while someone subscribes."""

    def __init__(self, graph: Graph, poll_seconds: float) -> None:
        self.graph = graph
        self.poll_seconds = poll_seconds
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._cursors: dict[str, int] = {}
        self._poller: asyncio.Task[None] | None = None
        self._joining = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return sum(len(group) for group in self._subscribers.values())

    async def subscribe(self, org_id: str, after: int | None) -> AsyncIterator[EventRecord]:
        """Every event of the organisation after `after` (None: from now on), in `seq` order,
        then live, until the caller stops iterating."""
        subscriber = _Subscriber(org_id)
        async with self._joining:
            if org_id not in self._cursors:
                self._cursors[org_id] = (await log_bounds(self.graph, org_id)).last_seq
            start = self._cursors[org_id] if after is None else after
            self._subscribers.setdefault(org_id, set()).add(subscriber)
            self._ensure_poller()
        try:
            cursor = start
            while True:  # replay what the log holds after the cursor
                page = await events_after(self.graph, org_id, cursor, limit=REPLAY_PAGE)
                for event in page:
                    cursor = event.seq
                    yield event
                if len(page) < REPLAY_PAGE:
                    break
            while True:  # then live, skipping what the replay already gave
                live = await subscriber.queue.get()
                if live is None:
                    raise LimitExceeded(
                        f"This subscriber fell more than {QUEUE_LIMIT} events behind; "
                        f"resume with after: {cursor!r}",
                        field="after",
                    )
                if live.seq <= cursor:
                    continue
                cursor = live.seq
                yield live
        finally:
            self._leave(subscriber)

    def _leave(self, subscriber: _Subscriber) -> None:
        group = self._subscribers.get(subscriber.org_id)
        if group is not None:
            group.discard(subscriber)
            if not group:
                del self._subscribers[subscriber.org_id]
                self._cursors.pop(subscriber.org_id, None)
        if not self._subscribers and self._poller is not None:
            self._poller.cancel()
            self._poller = None

    def _ensure_poller(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll_forever())

    async def _poll_forever(self) -> None:
        while self._subscribers:
            try:
                full = await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # Neo4j away: keep the subscribers, try again
                log.warning("event log poll failed; retrying", exc_info=True)
                full = False
                await asyncio.sleep(max(self.poll_seconds, 1.0))
            if not full:
                await asyncio.sleep(self.poll_seconds)

    async def poll_once(self) -> bool:
        """Read new events of every followed organisation and hand them out; True when a batch
        was full (more may be waiting: poll again at once)."""
        cursors = dict(self._cursors)
        if not cursors:
            return False
        events = await events_after_in_orgs(self.graph, cursors, limit=POLL_BATCH)
        per_org: dict[str, int] = {}
        for event in events:
            per_org[event.org_id] = per_org.get(event.org_id, 0) + 1
            if event.seq <= self._cursors.get(event.org_id, event.seq):
                continue
            self._cursors[event.org_id] = event.seq
            for subscriber in list(self._subscribers.get(event.org_id, ())):
                subscriber.offer(event)
        return any(count >= POLL_BATCH for count in per_org.values())

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
