"""Rate limits over real HTTP: per API key, and per client address for requests without a valid
key; answered 429 with Retry-After and RATE_LIMITED before anything runs."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from api.ratelimit import TokenBuckets
from api.settings import Settings
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import LiveServer, _free_port, start_live_server

ME = {"query": "{ me { name } }"}
PER_KEY = 5
ANONYMOUS = 3


@pytest.fixture
async def limited(live_local_server: LiveServer) -> AsyncIterator[str]:
    """A live API like the session's, with small limits; its URL."""
    settings = dataclasses.replace(
        live_local_server.settings,
        port=_free_port(),
        rate_limit_per_key=PER_KEY,
        rate_limit_anonymous=ANONYMOUS,
    )
    server, thread = start_live_server(settings)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def new_key(graph: Graph, unique: Callable[[str], str]) -> dict[str, str]:
    _, key = await create_user(graph, unique("limited"), with_key=True)
    assert key is not None
    return {"authorization": f"Bearer {key.secret}"}


def assert_limited(response: httpx.Response, seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) == seconds
    body = response.json()
    assert "data" not in body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["RATE_LIMITED"]


async def test_each_api_key_has_its_own_limit(
    limited: str, graph: Graph, unique: Callable[[str], str]
) -> None:
    first, second = await new_key(graph, unique), await new_key(graph, unique)
    async with httpx.AsyncClient(base_url=limited) as http:
        for _ in range(PER_KEY):
            answer = await http.post("/graphql", json=ME, headers=first)
            assert answer.status_code == 200 and answer.json()["data"]["me"] is not None
        # One request more than a minute's allowance: the next token is 60/5 = 12 s away.
        assert_limited(await http.post("/graphql", json=ME, headers=first), 12)
        assert_limited(await http.get("/graphql", params=ME, headers=first), 12)
        # Another key, and callers without one, have their own allowance.
        assert (await http.post("/graphql", json=ME, headers=second)).json()["data"]["me"]
        anonymous = await http.post("/graphql", json=ME)
        assert anonymous.status_code == 200
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # Health probes are never limited.
        assert (await http.get("/healthz")).status_code == 200


async def test_requests_without_a_valid_key_share_their_address_limit(
    limited: str, graph: Graph, unique: Callable[[str], str]
) -> None:
    forged = "lin_" + "0" * 32 + "_" + "A" * 43
    async with httpx.AsyncClient(base_url=limited) as http:
        for headers in [{}, {"authorization": f"Bearer {forged}"}, {"authorization": "Basic x"}]:
            answer = await http.post("/graphql", json=ME, headers=headers)
            assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # 60/3 = 20 s until the next request without a valid key from this address.
        assert_limited(await http.post("/graphql", json=ME), 20)
        assert_limited(
            await http.post("/graphql", json=ME, headers={"authorization": f"Bearer {forged}"}), 20
        )
        # A valid key is not held back by its address's anonymous traffic.
        valid = await http.post("/graphql", json=ME, headers=await new_key(graph, unique))
        assert valid.status_code == 200 and valid.json()["data"]["me"] is not None


def test_a_bucket_refills_at_its_rate_and_says_when_to_retry() -> None:
    clock = [100.0]
    buckets = TokenBuckets(30, max_buckets=2, clock=lambda: clock[0])  # one every 2 s
    assert all(buckets.take("a") == 0.0 for _ in range(30))  # a whole minute's burst
    assert buckets.take("a") == pytest.approx(2.0)
    clock[0] += 1.0
    assert buckets.take("a") == pytest.approx(1.0)  # a refused request spends nothing
    clock[0] += 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(2.0)
    clock[0] += 3600
    assert all(buckets.take("a") == 0.0 for _ in range(30))  # refilled to the burst, no more
    assert buckets.take("a") > 0
    buckets.take("b"), buckets.take("c")  # "a" is dropped beyond two buckets: full again
    assert buckets.take("a") == 0.0
    assert TokenBuckets(0).take("x") == 0.0  # 0: no limit


def test_limits_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {"LINEAGE_DATA_DIR": str(tmp_path), "LINEAGE_SECRET_KEY": "k"}
    defaults = Settings.from_env(env)
    assert (defaults.rate_limit_per_key, defaults.rate_limit_anonymous) == (3000, 300)
    custom = Settings.from_env(
        {**env, "LINEAGE_RATE_LIMIT_PER_KEY": "0", "LINEAGE_RATE_LIMIT_ANONYMOUS": "12"}
    )
    assert (custom.rate_limit_per_key, custom.rate_limit_anonymous) == (0, 12)
