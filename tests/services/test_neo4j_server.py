"""The project's own Neo4j: auth on with a password generated into its data folder, stores made
before passwords upgraded in place, and `lineage neo4j stop` never waiting on a zombie.

Each start costs ~10 s, so the two tests cover everything with three starts between them.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import neo4j
import pytest
from neo4j.exceptions import AuthError

from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(home: Path) -> Neo4jServerConfig:
    return Neo4jServerConfig(
        home=home,
        bolt_port=_free_port(),
        heap="512m",
        pagecache="64m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _query(config: Neo4jServerConfig, auth: tuple[str, str] | None, query: str) -> list[object]:
    with neo4j.GraphDatabase.driver(config.bolt_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(query, database_="neo4j")
    return [record[0] for record in records]


def test_a_new_server_refuses_bolt_clients_without_its_generated_password(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = _config(data_dir / "neo4j")
    neo4j_server.start(config)
    try:
        password = neo4j_server.read_password(config.home)
        assert password is not None and len(password) >= 24
        assert _mode(config.password_file) == 0o600
        assert _mode(config.home) == 0o700
        for wrong in (None, ("neo4j", "neo4j"), ("neo4j", password + "x")):
            with pytest.raises(AuthError):
                _query(config, wrong, "RETURN 1")
        assert _query(config, ("neo4j", password), "RETURN 1") == [1]

        # The server is this process's child: once SIGTERM ends it, it must be reaped rather
        # than linger as a zombie that `lineage neo4j stop` (another process) counts as alive
        # for its whole 90 s timeout.
        began = time.monotonic()
        env = {
            **os.environ,
            "LINEAGE_DATA_DIR": str(data_dir),
            "LINEAGE_NEO4J_PORT": str(config.bolt_port),
        }
        stop = subprocess.run(
            [sys.executable, "-m", "api.cli", "neo4j", "stop"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=85,
            check=False,
        )
        assert (stop.returncode, stop.stdout.strip()) == (0, "neo4j stopped"), stop.stderr
        assert time.monotonic() - began < 45
        assert neo4j_server.running_pid(config) is None
    finally:
        neo4j_server.stop(config)


def _start_as_before_passwords(config: Neo4jServerConfig) -> None:
    """What `start` did before passwords: the same server and conf, with auth off."""
    conf_dir = neo4j_server._write_config(config)
    conf = conf_dir / "neo4j.conf"
    text = conf.read_text()
    assert "dbms.security.auth_enabled=true" in text
    conf.write_text(text.replace("auth_enabled=true", "auth_enabled=false"))
    pid = neo4j_server._launch(config, conf_dir)
    neo4j_server._wait_for_bolt(config, pid, 180)


def test_a_data_dir_from_before_passwords_upgrades_to_auth_and_keeps_its_data(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path / "data" / "neo4j")
    config.home.mkdir(parents=True, mode=0o755)
    config.home.chmod(0o755)  # as the previous release created it, readable by anyone
    _start_as_before_passwords(config)
    try:
        _query(config, None, "CREATE (:Persisted {answer: 42})")
    finally:
        assert neo4j_server.stop(config)
    assert not config.password_file.exists()

    neo4j_server.start(config)
    try:
        password = neo4j_server.read_password(config.home)
        assert password is not None
        assert _mode(config.password_file) == 0o600
        assert _mode(config.home) == 0o700
        with pytest.raises(AuthError):
            _query(config, None, "RETURN 1")
        auth = ("neo4j", password)
        assert _query(config, auth, "MATCH (n:Persisted) RETURN n.answer") == [42]
    finally:
        assert neo4j_server.stop(config)
