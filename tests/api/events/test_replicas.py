"""Two API processes on one Neo4j share nothing in memory: a subscriber on replica B receives
what was committed through replica A, in order, from the log they both follow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lineage
from tests import conftest
from tests.api.events.test_subscriptions import Collector, last_cursor, log_model, subscriber
from tests.conftest import LiveServer, start_live_server


@pytest.fixture
def replica_b(
    neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory, live_local_server: LiveServer
) -> Iterator[LiveServer]:
    port = conftest._free_port()
    settings = conftest.test_settings(
        port=port,
        neo4j_uri=neo4j_uri,
        blob_store_url=str(tmp_path_factory.mktemp("blobs-b")),
        data_dir=tmp_path_factory.mktemp("data-b"),
    )
    server, thread = start_live_server(settings)
    yield LiveServer(
        url=f"http://127.0.0.1:{port}", settings=settings, api_key=live_local_server.api_key
    )
    server.should_exit = True
    thread.join(timeout=30)


async def test_a_subscriber_on_one_replica_sees_commits_through_another(
    live_local_server: LiveServer,
    replica_b: LiveServer,
    unique: Callable[[str], str],
    tmp_path: Path,
) -> None:
    org = unique("replicas")
    with lineage.Client(live_local_server.url, api_key=live_local_server.api_key) as through_a:
        await log_model(through_a, tmp_path, org, "seed", "0")
        async with subscriber(replica_b, replica_b.api_key) as session:
            after = await last_cursor(replica_b, replica_b.api_key, org)
            variables = {"org": org, "types": ["VERSION_CREATED"], "after": after}
            collector = Collector(session, variables)
            for content in ("1", "2", "3"):
                await log_model(through_a, tmp_path, org, "model", content)
            events = await asyncio.wait_for(collector.wait_for(3), 20)
            await collector.stop()
    assert [e["object"]["path"] for e in events] == [f"{org}/proj/model:v{n}" for n in range(3)]
