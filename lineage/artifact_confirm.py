"""Confirming finished uploads to the server in the background, a few hundred at a time.

The server checks each confirmed blob in the store (about 2 ms each) and records it as stored;
doing that while other uploads still run keeps it off the commit's critical path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

BATCH = 200
IDLE_SECONDS = 0.25


class Confirmer:
    """Sends the digests of successful uploads to `send` from one background thread."""

    def __init__(self, send: Callable[[list[str]], None]) -> None:
        self._send = send
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._error: BaseException | None = None
        self._stopped = False
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
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop without sending anything more (the log failed)."""
        self._stopped = True
        self._queue.put(None)

    def _flush(self, pending: list[str]) -> None:
        if pending and not self._stopped and self._error is None:
            try:
                self._send(list(pending))
            except BaseException as error:
                self._error = error
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
