"""`lineage serve --workers N`: N processes answer on one port, a caller's rate limit holds across
them (the buckets are shared, not per process), and SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import _free_port, neo4j_test_auth

REPO = Path(__file__).resolve().parents[2]
PER_KEY = 8
ME = {"query": "{ me { name } }"}


def _workers_of(pid: int) -> set[int]:
    """The worker processes of the `serve` with this pid (not multiprocessing's helpers)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren
        if int(stat.rsplit(")", 1)[1].split()[1]) != pid:
            continue
        command = (entry / "cmdline").read_bytes()
        if b"spawn_main" in command and b"resource_tracker" not in command:
            found.add(int(entry.name))
    return found


@pytest.fixture
def two_workers(neo4j_uri: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    auth = neo4j_test_auth()
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "NEO4J_USER": auth[0] if auth else "neo4j",
        "NEO4J_PASSWORD": auth[1] if auth else "",
        "LINEAGE_DATA_DIR": str(tmp_path),
        "LINEAGE_PORT": str(port),
        "LINEAGE_RATE_LIMIT_PER_KEY": str(PER_KEY),
        "LINEAGE_WEBHOOK_WORKER": "false",
        "LINEAGE_SWEEP_INTERVAL": "0",
        "LINEAGE_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while b"with 2 workers" not in (tmp_path / "serve.log").read_bytes():
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
        assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
        time.sleep(0.2)
    try:
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


async def test_two_workers_serve_one_port_and_share_each_keys_rate_limit(
    two_workers: tuple[str, subprocess.Popen[bytes]], graph: Graph, unique: Callable[[str], str]
) -> None:
    url, process = two_workers
    workers = _workers_of(process.pid)
    assert len(workers) == 2, workers
    _, key = await create_user(graph, unique("workers"), with_key=True)
    assert key is not None
    headers = {"authorization": f"Bearer {key.secret}"}
    statuses = []
    for _ in range(PER_KEY * 2):
        # a new connection each time, so the kernel hands requests to either worker
        async with httpx.AsyncClient(base_url=url, headers=headers) as http:
            statuses.append((await http.post("/graphql", json=ME)).status_code)
    # per-process buckets would let about twice the limit through
    allowed = statuses.count(200)
    assert PER_KEY <= allowed <= PER_KEY + 1, statuses
    assert set(statuses) == {200, 429}

    process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(process.wait, 30) == 0
    for _ in range(50):
        if not _alive(workers):
            break
        await asyncio.sleep(0.1)
    assert not _alive(workers)


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}
