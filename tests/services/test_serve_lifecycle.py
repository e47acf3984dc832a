"""`lineage serve` as a newcomer runs it, in a terminal: it fails fast on a busy port, says it is
ready only when it is, prints the first admin key once, and on SIGTERM or SIGHUP (the terminal
closed) shuts down the API and then the Neo4j it started, saying so.
"""

from __future__ import annotations

import os
import pty
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig

REPO = Path(__file__).resolve().parents[2]
READY = "Lineage GraphQL on {url}/graphql"
STOPPED = "Lineage stopped; the local Neo4j it started is stopped too."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _serve_env(data_dir: Path, api_port: int, bolt_port: int) -> dict[str, str]:
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
    return env


def _share_jars(data_dir: Path) -> None:
    """Use the jars fetched earlier instead of copying them again (else Maven copies them)."""
    jars = REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}"
    if (jars / ".complete").exists():
        (data_dir / jars.name).symlink_to(jars)


class Terminal:
    """A command whose stdin, stdout and stderr are a pseudo-terminal, as in a shell."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                return
            if not chunk:
                return
            with self._lock:
                self._output.extend(chunk)

    @property
    def text(self) -> str:
        with self._lock:
            return self._output.decode(errors="replace").replace("\r\n", "\n")

    def wait_for(self, needle: str, timeout: float) -> str:
        """The output up to and including the first line holding `needle`."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            found = text.find(needle)
            if found >= 0 and "\n" in text[found:]:
                return text[: text.index("\n", found) + 1]
            assert self.process.poll() is None, f"exited {self.process.returncode}:\n{text}"
            assert time.monotonic() < deadline, f"no {needle!r} after {timeout:.0f}s:\n{text}"
            time.sleep(0.02)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1


def test_serve_on_a_busy_port_fails_fast_before_starting_neo4j(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    api_port, bolt_port = busy.getsockname()[1], _free_port()
    env = _serve_env(data_dir, api_port, bolt_port)
    config = Neo4jServerConfig(home=data_dir / "neo4j", bolt_port=bolt_port)
    try:
        began = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        elapsed = time.monotonic() - began
    finally:
        busy.close()
        neo4j_server.stop(config)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"127.0.0.1:{api_port} is already in use" in output
    assert "Lineage GraphQL on" not in output
    assert elapsed < 15, output
    assert not config.home.exists()  # Neo4j never started
    assert not (data_dir / "admin_api_key").exists()  # no admin made for the other server


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_serve_says_ready_when_it_is_and_stops_its_neo4j_on(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """The zero-configuration run: `lineage serve` starts its own Neo4j, prints the new admin key
    once, answers as soon as it prints its ready line, and on the signal shuts down the API and
    then that Neo4j, cleanly."""
    api_port, bolt_port = _free_port(), _free_port()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _share_jars(data_dir)
    config = Neo4jServerConfig(home=data_dir / "neo4j", bolt_port=bolt_port)
    serve = Terminal(
        [sys.executable, "-m", "api.cli", "serve"], _serve_env(data_dir, api_port, bolt_port)
    )
    try:
        url = f"http://127.0.0.1:{api_port}"
        before_ready = serve.wait_for(READY.format(url=url), timeout=180)
        assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200  # at once, no retry

        key_file = data_dir / "admin_api_key"
        key = key_file.read_text().strip()
        assert before_ready.count(key) == 1  # printed once, in the terminal
        for private, mode in (
            (data_dir, 0o700),
            (config.home, 0o700),
            (key_file, 0o600),
            (config.password_file, 0o600),
            (data_dir / "secret_key", 0o600),
        ):
            assert _mode(private) == mode, private
        neo4j_pid = neo4j_server.running_pid(config)
        assert neo4j_pid is not None

        serve.process.send_signal(signum)
        assert serve.process.wait(timeout=120) == 128 + signum
        assert neo4j_server.running_pid(config) is None
        assert "Stopped." in (config.home / "logs" / "neo4j.log").read_text()
        serve.close()
        after = serve.text[len(before_ready) :]
        assert STOPPED in after, after
        assert key not in after
    finally:
        serve.close()
        neo4j_server.stop(config)


def test_the_readme_says_what_serve_prints_and_how_to_reach_it_from_another_terminal() -> None:
    readme = (REPO / "README.md").read_text()
    assert READY.format(url="http://127.0.0.1:8000") in readme
    assert STOPPED in readme
    tour = readme[readme.index("## A tour") :]
    block = tour[tour.index("```bash") : tour.index("```", tour.index("```bash") + 3)]
    assert block.index(". .venv/bin/activate") < block.index("python examples/tour.py"), block
