"""A real HTTP receiver for webhook tests: a small Starlette app under uvicorn, in a thread, on
127.0.0.1 and a free port. It records every request and answers as the test tells it to."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.conftest import _free_port  # pyright: ignore[reportPrivateUsage]

Answer = Callable[[int], int | None]
"""Request number (1-based) -> HTTP status to answer, or None to never answer."""


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    """time.time() when it arrived."""

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str
    answer: Answer
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """At least `count` requests, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.requests()
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests())} requests arrived, expected {count}")

    async def await_for(self, count: int, seconds: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = self.requests()
            if len(got) >= count:
                return got
            await asyncio.sleep(0.02)
        raise AssertionError(f"{len(self.requests())} requests arrived, expected {count}")


def always(status: int) -> Answer:
    return lambda _: status


def failing_first(times: int, status: int = 500) -> Answer:
    return lambda n: status if n <= times else 200


def never() -> Answer:
    return lambda _: None


@contextmanager
def running_receiver(answer: Answer) -> Iterator[Receiver]:
    port = _free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hook", answer=answer)

    async def hook(request: Request) -> Response:
        body = await request.body()
        with receiver.lock:
            receiver.received.append(Received(dict(request.headers), body, time.time()))
            number = len(receiver.received)
        status = receiver.answer(number)
        if status is None:
            await asyncio.sleep(3600)
            status = 200
        return PlainTextResponse(f"answer {number}", status_code=status)

    app = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("webhook receiver did not start")
        time.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
