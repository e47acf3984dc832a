from __future__ import annotations

import socket
from pathlib import Path

import neo4j

from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_local_server_keeps_its_data_across_a_clean_stop_and_start(tmp_path: Path) -> None:
    config = Neo4jServerConfig(
        home=tmp_path / "neo4j",
        bolt_port=_free_port(),
        heap="512m",
        pagecache="64m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    neo4j_server.start(config)
    try:
        with neo4j.GraphDatabase.driver(config.bolt_uri) as driver:
            driver.execute_query("CREATE (:Persisted {answer: 42})", database_="neo4j")
    finally:
        assert neo4j_server.stop(config)
    assert neo4j_server.running_pid(config) is None

    neo4j_server.start(config)
    try:
        with neo4j.GraphDatabase.driver(config.bolt_uri) as driver:
            records, _, _ = driver.execute_query(
                "MATCH (n:Persisted) RETURN n.answer AS answer", database_="neo4j"
            )
        assert [r["answer"] for r in records] == [42]
    finally:
        neo4j_server.stop(config)
