"""Helpers the benchmark scripts share: starting the API as a real server process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def start_api(
    uri: str, port: int, data_dir: Path, password: str | None = None
) -> subprocess.Popen[bytes]:
    """`lineage serve` on `uri` (user neo4j, `password`) and `port`, logging to
    `data_dir/api.log`; returns once /healthz answers (exits the benchmark after 60 s otherwise)."""
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": password or "",
        "LINEAGE_PORT": str(port),
        "LINEAGE_DATA_DIR": str(data_dir),
        "LINEAGE_LOG_LEVEL": "WARNING",
    }
    with (data_dir / "api.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the API did not start")
