"""A real Neo4j Community server for local runs, tests and CI, without Docker.

The jars come from Maven Central through plain Maven (`neo4j/pom.xml`), are copied once into
`<home>/lib-<version>` and reused on every later start. The server is Neo4j's own entry point
(`org.neo4j.server.CommunityEntryPoint`) reading a `neo4j.conf` written from a template, so it
behaves like the `neo4j:5.26-community` image users run in production. It binds to 127.0.0.1
only. SIGTERM triggers Neo4j's shutdown hook, which checkpoints and closes the store cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NEO4J_VERSION = "5.26.30"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_PACKAGE_DIR = Path(__file__).resolve().parent / "neo4j"

# Flags Neo4j's own launcher script adds; without them Netty and the page cache fall back to
# slower paths or fail on Java 17's module system.
_JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
]


# Servers this process started: kept so they can be reaped (no zombie, no ResourceWarning).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class Neo4jServerError(RuntimeError):
    """The local server could not be installed, started or stopped."""


@dataclass(frozen=True)
class Neo4jServerConfig:
    """Where the server lives and how it is sized."""

    home: Path
    bolt_port: int = 7687
    heap: str = "1g"
    pagecache: str = "512m"
    jar_cache: Path | None = None

    @property
    def lib_dir(self) -> Path:
        """Jars shared by every server home beside this one (dev, tests) unless set."""
        return self.jar_cache or self.home.parent / f"neo4j-lib-{NEO4J_VERSION}"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def install(config: Neo4jServerConfig) -> Path:
    """Return the folder of Neo4j jars, downloading them with Maven the first time only."""
    marker = config.lib_dir / ".complete"
    if marker.exists():
        return config.lib_dir
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jServerError("Maven (mvn) is needed to fetch Neo4j from Maven Central")
    staging = config.lib_dir.with_name(config.lib_dir.name + ".partial")
    staging.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(_PACKAGE_DIR / "pom.xml"),
        f"-Dneo4j.version={NEO4J_VERSION}",
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={staging}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Neo4jServerError(
            f"mvn failed to fetch Neo4j {NEO4J_VERSION}:\n{result.stdout[-4000:]}"
        )
    shutil.rmtree(config.lib_dir, ignore_errors=True)
    staging.rename(config.lib_dir)
    marker.touch()
    return config.lib_dir


def running_pid(config: Neo4jServerConfig) -> int | None:
    """The pid of a live server started from this home, or None."""
    try:
        pid = int(config.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def start(config: Neo4jServerConfig, *, timeout: float = 180.0) -> int:
    """Start the server (or find it running) and return its pid once Bolt accepts connections."""
    pid = running_pid(config)
    if pid is not None:
        _wait_for_bolt(config, pid, timeout)
        return pid
    lib_dir = install(config)
    conf_dir = _write_config(config)
    config.console_log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        _java(),
        f"-Xms{config.heap}",
        f"-Xmx{config.heap}",
        *_JVM_FLAGS,
        "-cp",
        f"{lib_dir}/*",
        ENTRY_POINT,
        f"--home-dir={config.home}",
        f"--config-dir={conf_dir}",
    ]
    with config.console_log.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=config.home,
        )
    _CHILDREN[process.pid] = process
    config.pid_file.write_text(str(process.pid))
    _wait_for_bolt(config, process.pid, timeout)
    return process.pid


def stop(config: Neo4jServerConfig, *, timeout: float = 90.0) -> bool:
    """Stop the server cleanly (SIGTERM, then SIGKILL after `timeout`). False if none ran."""
    pid = running_pid(config)
    if pid is None:
        config.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    config.pid_file.unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_for_bolt(config: Neo4jServerConfig, pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            config.pid_file.unlink(missing_ok=True)
            raise Neo4jServerError(f"Neo4j exited during start-up:\n{_log_tail(config)}")
        if _bolt_answers(config.bolt_port):
            return
        time.sleep(0.25)
    raise Neo4jServerError(f"Neo4j did not open Bolt within {timeout:.0f}s:\n{_log_tail(config)}")


def _bolt_answers(port: int) -> bool:
    """True when the Bolt handshake gets a protocol version back, not just a TCP accept."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(bytes.fromhex("6060b017") + bytes.fromhex("00000505") + bytes(12))
            sock.settimeout(2.0)
            return len(sock.recv(4)) == 4
    except OSError:
        return False


def _write_config(config: Neo4jServerConfig) -> Path:
    conf_dir = config.home / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    folders = {name: config.home / name for name in ("data", "logs", "plugins", "run", "import")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    template = (_PACKAGE_DIR / "neo4j.conf.template").read_text()
    (conf_dir / "neo4j.conf").write_text(
        template.format(
            bolt_port=config.bolt_port,
            heap=config.heap,
            pagecache=config.pagecache,
            data_dir=folders["data"],
            logs_dir=folders["logs"],
            plugins_dir=folders["plugins"],
            run_dir=folders["run"],
            import_dir=folders["import"],
        )
    )
    return conf_dir


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise Neo4jServerError("Java 17 or 21 is needed to run Neo4j 5.26; none found on PATH")
    return java


def _log_tail(config: Neo4jServerConfig, lines: int = 40) -> str:
    chunks = []
    for log in (
        config.console_log,
        config.home / "logs" / "neo4j.log",
        config.home / "logs" / "debug.log",
    ):
        if log.exists():
            chunks.append(
                f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            )
    return "\n".join(chunks) or "(no log written)"
