"""Two `lineage serve` processes on one Neo4j, each running its webhook worker: every event
reaches the webhook once, not once per process. The webhook is created by a generic GraphQL
client (gql over httpx) that knows only the published `schema.graphql`."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import build_schema

from graph.core.driver import Graph
from graph.core.values import now
from lineage.webhooks import verify
from tests.api.webhooks.support import CREATE_RUN, CREATE_WEBHOOK, delete_webhooks_since
from tests.conftest import SessionUser, neo4j_test_auth
from tests.faults.cluster import ApiNode
from tests.webhook_receiver import always, running_receiver

SCHEMA = build_schema((Path(__file__).resolve().parents[3] / "schema.graphql").read_text())
EVENTS = 40


@pytest.fixture
def replicas(neo4j_uri: str, tmp_path: Path) -> Iterator[tuple[ApiNode, ApiNode]]:
    user, password = neo4j_test_auth() or ("neo4j", "")
    shared = {
        "NEO4J_URI": neo4j_uri,
        "NEO4J_USER": user,
        "NEO4J_PASSWORD": password,
        "LINEAGE_SECRET_KEY": secrets.token_hex(32),  # replicas share it: sealed secrets
        "LINEAGE_BLOB_STORE": str(tmp_path / "blobs"),
        "LINEAGE_RATE_LIMIT_PER_KEY": "0",
        "LINEAGE_RATE_LIMIT_ANONYMOUS": "0",
        "LINEAGE_WEBHOOK_ALLOW_HTTP": "true",
        "LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
        "LINEAGE_WEBHOOK_BACKOFF_SECONDS": "0.05",
    }
    nodes = (
        ApiNode.create("hooks-a", tmp_path / "a", shared),
        ApiNode.create("hooks-b", tmp_path / "b", shared),
    )
    began = time.monotonic()
    for node in nodes:
        node.launch()
    try:
        for node in nodes:
            node.wait_healthy(began)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def test_two_processes_deliver_each_event_once(
    replicas: tuple[ApiNode, ApiNode],
    graph: Graph,
    session_user: SessionUser,
    unique: Callable[[str], str],
) -> None:
    a, b = replicas
    org = unique("org")
    started = now()
    with running_receiver(always(200)) as receiver:
        transport = HTTPXAsyncTransport(url=f"{a.url}/graphql", headers=session_user.headers)
        async with Client(transport=transport, schema=SCHEMA) as session:
            answer: dict[str, Any] = await session.execute(
                GraphQLRequest(
                    CREATE_WEBHOOK,
                    variable_values={
                        "input": {
                            "organization": org,
                            "url": receiver.url,
                            "eventTypes": ["RUN_STARTED"],
                        }
                    },
                )
            )
        created = answer["createWebhook"]
        assert created["errors"] == [] and created["secret"].startswith("whsec_")
        secret = created["secret"]
        async with httpx.AsyncClient(headers=session_user.headers, timeout=30) as http:
            for i in range(EVENTS):
                node = (a, b)[i % 2]
                response = await http.post(
                    f"{node.url}/graphql",
                    json={"query": CREATE_RUN, "variables": {"org": org, "name": f"r{i}"}},
                )
                assert response.json()["data"]["createRun"]["errors"] == []
        got = await receiver.await_for(EVENTS, seconds=30)
        await asyncio.sleep(1.0)  # time for a duplicate to arrive, if one would
        got = receiver.requests()
        counts = Counter(r.id for r in got)
        assert len(counts) == EVENTS and set(counts.values()) == {1}, counts.most_common(3)
        bodies = [verify(r.headers, r.body, secret) for r in got]
        assert {body["type"] for body in bodies} == {"RUN_STARTED"}
    await delete_webhooks_since(graph, session_user.name, started)
