from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_stops_the_neo4j_it_started_on_sigterm(tmp_path: Path) -> None:
    """The zero-configuration run: `lineage serve` starts its own Neo4j, answers, and on SIGTERM
    shuts down the API and then that Neo4j, cleanly."""
    api_port, bolt_port = _free_port(), _free_port()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # Share jars fetched earlier instead of copying them again (else Maven copies them).
    jars = REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}"
    if (jars / ".complete").exists():
        (data_dir / jars.name).symlink_to(jars)
    env = {
        **os.environ,
        "LINEAGE_DATA_DIR": str(data_dir),
        "LINEAGE_PORT": str(api_port),
        "LINEAGE_NEO4J_PORT": str(bolt_port),
        "LINEAGE_NEO4J_HEAP": "512m",
        "LINEAGE_NEO4J_PAGECACHE": "64m",
    }
    for name in ("NEO4J_URI", "LINEAGE_BLOB_STORE", "LINEAGE_PUBLIC_URL"):
        env.pop(name, None)
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    config = Neo4jServerConfig(home=data_dir / "neo4j", bolt_port=bolt_port)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.5)
        neo4j_pid = neo4j_server.running_pid(config)
        assert neo4j_pid is not None

        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
        assert neo4j_server.running_pid(config) is None
        assert "Stopped." in (config.home / "logs" / "neo4j.log").read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        neo4j_server.stop(config)
        log.close()
