"""Confirming finished uploads to the server in the background, a few hundred at a time.

The server checks each confirmed blob in the store (a few S3 requests each) and records it as
stored; doing that while other uploads still run keeps it off the commit's critical path. A
few confirmations are in flight at once, so that the server's checks of one batch overlap the
round trip and the recording of another.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

BATCH = 100
IDLE_SECONDS = 0.25
IN_FLIGHT = 3


class Confirmer:
    """Sends the digests of successful uploads to `send`, batched by one background thread and
    sent by up to `IN_FLIGHT` others."""

    def __init__(self, send: Callable[[list[str]], None]) -> None:
        self._send = send
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._error: BaseException | None = None
        self._stopped = False
        self._senders = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="lineage-confirm-send")
        self._thread = threading.Thread(target=self._run, name="lineage-confirm", daemon=True)
        self._thread.start()

    def watch(self, digest: str, upload: Future[int]) -> None:
        """Confirm `digest` once `upload` has succeeded (a failed upload fails the log anyway)."""

        def done(future: Future[int]) -> None:
            if not future.cancelled() and future.exception() is None:
                self._queue.put(digest)

        upload.add_done_callback(done)

    def close(self) -> None:
        """Send what is left and wait; re-raise the first error the server answered."""
        self._queue.put(None)
        self._thread.join()
        self._senders.shutdown(wait=True)
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop without sending anything more (the log failed)."""
        self._stopped = True
        self._queue.put(None)
        self._senders.shutdown(wait=False, cancel_futures=True)

    def _send_one(self, batch: list[str]) -> None:
        if self._stopped or self._error is not None:
            return
        try:
            self._send(batch)
        except BaseException as error:
            if self._error is None:
                self._error = error

    def _flush(self, pending: list[str]) -> None:
        if pending and not self._stopped and self._error is None:
            # abandoned meanwhile: the pool no longer takes work
            with contextlib.suppress(RuntimeError):
                self._senders.submit(self._send_one, list(pending))
        pending.clear()

    def _run(self) -> None:
        pending: list[str] = []
        while True:
            try:
                item = self._queue.get(timeout=IDLE_SECONDS if pending else None)
            except queue.Empty:
                self._flush(pending)
                continue
            if item is None:
                self._flush(pending)
                return
            pending.append(item)
            if len(pending) >= BATCH:
                self._flush(pending)
