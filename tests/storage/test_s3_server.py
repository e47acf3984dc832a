"""The versitygw launcher: a clean start and stop, and a clear error when it cannot start."""

from __future__ import annotations

import os
import socket
import urllib.request
from pathlib import Path

import pytest

from services.s3_server import S3Server, S3ServerError, free_port, install
from tests.s3_fixtures import REPO

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("LINEAGE_TEST_S3_ENDPOINT")),
    reason="an external S3 server is in use; versitygw may not be installable here",
)


def test_a_server_starts_healthy_and_stops(tmp_path: Path) -> None:
    binary = install(REPO / ".lineage" / "bin")
    server = S3Server.start(tmp_path, free_port(), "key", "secret-key", binary=binary)
    with urllib.request.urlopen(f"{server.endpoint_url}/health", timeout=5) as response:
        assert response.status == 200
    server.stop()
    assert server.process.returncode is not None
    server.stop()
    assert (tmp_path / "versitygw.log").stat().st_size > 0


def test_a_taken_port_fails_with_the_servers_own_words(tmp_path: Path) -> None:
    binary = install(REPO / ".lineage" / "bin")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(S3ServerError, match="exited") as raised:
            S3Server.start(tmp_path, port, "key", "secret-key", binary=binary, timeout=10)
    assert "address already in use" in str(raised.value)
