"""API replicas start side by side on a fresh database (a new deployment, or one scaled out
while the store is new): every one of them bootstraps the schema at once, and every one must
come up. The fault suite found two replicas on a fresh Neo4j creating two schema-version nodes,
after which every start failed ("More than one record found")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import LiteralString

import pytest

from graph.core.bootstrap import LATEST_SCHEMA_VERSION, bootstrap
from graph.core.driver import connect
from tests.faults.cluster import Neo4jNode

REPLICAS = 8

SCHEMA_NODES: LiteralString = "MATCH (s:LineageSchema) RETURN count(s) AS nodes"


@pytest.fixture
def fresh_neo4j(tmp_path: Path) -> Iterator[Neo4jNode]:
    node = Neo4jNode.create(tmp_path / "neo4j")
    node.start()
    try:
        yield node
    finally:
        node.stop()


async def test_replicas_bootstrapping_a_fresh_database_at_once_all_start(
    fresh_neo4j: Neo4jNode,
) -> None:
    graphs = [connect(fresh_neo4j.bolt_uri, "neo4j", fresh_neo4j.password) for _ in range(REPLICAS)]
    try:
        versions = await asyncio.gather(*(bootstrap(graph) for graph in graphs))
        assert versions == [LATEST_SCHEMA_VERSION] * REPLICAS
        records, _, _ = await graphs[0].driver.execute_query(SCHEMA_NODES)
        assert records[0]["nodes"] == 1
        assert await bootstrap(graphs[0]) == LATEST_SCHEMA_VERSION  # a later start, too
    finally:
        for graph in graphs:
            await graph.close()
