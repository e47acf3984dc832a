"""A real Neo4j Community server for local runs, tests and CI, without Docker.

The jars come from Maven Central through plain Maven (`neo4j/pom.xml`), are copied once into
`neo4j-lib-<version>` beside the home and reused on every later start. The server is Neo4j's own
entry point (`org.neo4j.server.CommunityEntryPoint`) reading a `neo4j.conf` written from a
template, so it behaves like the `neo4j:5.26-community` image users run in production. It binds to
127.0.0.1 only. SIGTERM triggers Neo4j's shutdown hook, which checkpoints and closes the store
cleanly.

Auth is on: loopback is reachable by every local user and process, so the `neo4j` user's password
is generated at first start into `<home>/password` (0600, in a 0700 home) and handed to Neo4j
before it opens the store, so no moment exists where the default password or no auth is accepted.
A store made before passwords (auth off) is upgraded the same way at its next start.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from services.private_files import private_dir, read_private_file, write_private_file

NEO4J_VERSION = "5.26.30"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
LOCAL_USER = "neo4j"
PASSWORD_FILE = "password"
_HASH_ITERATIONS = 1024  # what Neo4j 5 writes and reads in auth.ini
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


# Servers this process started: each has a thread waiting on it, so it is reaped the moment it
# exits (else it lingers as a zombie that other processes' `stop` counts as alive).
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
    def password_file(self) -> Path:
        return self.home / PASSWORD_FILE

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


def read_password(home: Path) -> str | None:
    """The `neo4j` user's password of the server in `home`; None before its first start."""
    return read_private_file(home / PASSWORD_FILE) or None


def running_pid(config: Neo4jServerConfig) -> int | None:
    """The pid of a live server started from this home, or None."""
    try:
        pid = int(config.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def start(config: Neo4jServerConfig, *, timeout: float = 180.0) -> int:
    """Start the server (or find it running) and return its pid once Bolt accepts the password
    in `config.password_file`, which the first start generates.

    Raises `Neo4jServerError` when the store's `neo4j` user has a password set by other means
    (the message says how to hand it over); a server this call started is stopped first.
    """
    private_dir(config.home)
    password = _ensure_password(config)
    pid = running_pid(config)
    if pid is not None:
        _wait_for_bolt(config, pid, timeout)
        _require_password(config, password)
        return pid
    _set_initial_password(config, password)
    pid = _launch(config, _write_config(config))
    try:
        _wait_for_bolt(config, pid, timeout)
        _require_password(config, password)
    except BaseException:
        stop(config)
        raise
    return pid


def auth_enabled(config: Neo4jServerConfig) -> bool:
    """False for a server started before passwords and still running with auth off; its next
    start turns auth on."""
    import neo4j  # the driver is a server dependency; this module loads without it

    with neo4j.GraphDatabase.driver(config.bolt_uri, auth=None) as driver:
        return not driver.verify_authentication()


def _ensure_password(config: Neo4jServerConfig) -> str:
    password = read_password(config.home)
    if password is None:
        password = secrets.token_urlsafe(24)
        write_private_file(config.password_file, password + "\n")
    return password


def _set_initial_password(config: Neo4jServerConfig, password: str) -> None:
    """Hand `password` to Neo4j before it opens the store, as `neo4j-admin dbms
    set-initial-password` does (same file, same format), without the password on a command line.

    Neo4j applies `data/dbms/auth.ini` when it creates the store, and to an existing store whose
    `neo4j` user still has the default password, which every store from before passwords has
    (auth was off, so nobody changed it); otherwise it ignores the file.
    """
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode()).digest()
    for _ in range(_HASH_ITERATIONS - 1):
        digest = hashlib.sha256(digest).digest()
    line = f"{LOCAL_USER}:SHA-256,{digest.hex()},{salt.hex()},{_HASH_ITERATIONS}:\n"
    write_private_file(config.home / "data" / "dbms" / "auth.ini", line)


def _require_password(config: Neo4jServerConfig, password: str) -> None:
    import neo4j

    with neo4j.GraphDatabase.driver(config.bolt_uri, auth=(LOCAL_USER, password)) as driver:
        if driver.verify_authentication():
            return
    raise Neo4jServerError(
        f"the {LOCAL_USER!r} user of the store in {config.home} has a password other than the"
        f" one in {config.password_file} (set by hand?); write that password into the file"
        " (one line, mode 0600) and start again"
    )


def _launch(config: Neo4jServerConfig, conf_dir: Path) -> int:
    """Run Neo4j's entry point on `conf_dir` and return its pid at once (not yet serving)."""
    lib_dir = install(config)
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
    threading.Thread(target=process.wait, name=f"reap-neo4j-{process.pid}", daemon=True).start()
    config.pid_file.write_text(str(process.pid))
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
    """True while `pid` runs; an exited process its parent has not reaped yet (a zombie) is gone."""
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is None:
            return True
        del _CHILDREN[pid]
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no procfs (macOS): signal 0 is all we can tell
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"  # the name in parentheses may hold spaces


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
