"""The SDK waits out a 429 for the server's Retry-After and carries on, instead of failing a
notebook cell halfway through a loop of calls."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable

import pytest

from graph.access.users import create_user
from graph.core.driver import Graph
from lineage.client import Client
from lineage.errors import LineageError
from tests.conftest import LiveServer, _free_port, start_live_server

PER_MINUTE = 60  # one token a second: Retry-After is 1 s


@pytest.fixture
async def limited(live_local_server: LiveServer) -> AsyncIterator[str]:
    settings = dataclasses.replace(
        live_local_server.settings, port=_free_port(), rate_limit_per_key=PER_MINUTE
    )
    server, thread = start_live_server(settings)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def test_a_rate_limited_call_is_retried_after_retry_after(
    limited: str, graph: Graph, unique: Callable[[str], str]
) -> None:
    _, key = await create_user(graph, unique("sdk-limited"), with_key=True)
    assert key is not None

    def burst(retries: int) -> tuple[int, float]:
        with Client(limited, key.secret, retries=retries) as client:
            started = time.monotonic()
            for _ in range(PER_MINUTE + 2):
                assert client.execute("{ me { name } }")["me"] is not None
            return PER_MINUTE + 2, time.monotonic() - started

    calls, seconds = await asyncio.to_thread(burst, 3)
    assert calls == PER_MINUTE + 2 and seconds >= 1.0  # it waited instead of failing

    def without_retries() -> None:
        with Client(limited, key.secret, retries=0) as client:
            for _ in range(PER_MINUTE + 2):
                client.execute("{ me { name } }")

    with pytest.raises(LineageError) as refused:
        await asyncio.to_thread(without_retries)
    assert refused.value.code == "RATE_LIMITED"
