"""A real S3 server (versitygw over a local directory) for tests, CI and development.

versitygw is a single Apache-2.0 Go binary, built from source with `go install` the first time
and reused afterwards. Its posix backend maps buckets to directories; `--sidecar` keeps object
metadata in files, so it works on filesystems without extended attributes (tmpfs, overlayfs). It
checks SigV4 signatures and presigned-URL expiry, and honours If-None-Match on PutObject and
CompleteMultipartUpload, which is what the storage tests need from it. It binds to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

VERSITYGW_VERSION = "v1.8.0"
VERSITYGW_MODULE = "github.com/versity/versitygw/cmd/versitygw"
HEALTH_PATH = "/health"
LOG_NAME = "versitygw.log"


class S3ServerError(RuntimeError):
    """versitygw could not be installed, started or stopped."""


@dataclass(frozen=True)
class S3Endpoint:
    """Where an S3 server answers and the credentials that sign requests to it."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"


def install(bin_dir: Path) -> Path:
    """Return `<bin_dir>/versitygw`, building it with `go install` first if it is missing.

    Needs the Go toolchain and the Go module proxy the first time only (a cold build takes a
    minute or two; later ones hit Go's build cache).
    """
    binary = bin_dir / "versitygw"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    go = shutil.which("go")
    if go is None:
        raise S3ServerError("the Go toolchain (go) is needed to build versitygw")
    bin_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(bin_dir.resolve())}
    result = subprocess.run(
        [go, "install", f"{VERSITYGW_MODULE}@{VERSITYGW_VERSION}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not binary.is_file():
        output = (result.stdout + result.stderr)[-4000:]
        raise S3ServerError(f"go install of versitygw {VERSITYGW_VERSION} failed:\n{output}")
    return binary


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3Server:
    """A running versitygw process; stop it with `stop()` or by leaving a `with` block."""

    endpoint: S3Endpoint
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @classmethod
    def start(
        cls,
        data_dir: Path,
        port: int,
        access_key: str,
        secret_key: str,
        *,
        binary: Path | None = None,
        timeout: float = 30.0,
    ) -> S3Server:
        """Launch versitygw on 127.0.0.1:`port` serving `data_dir/data`; return once healthy.

        `binary` defaults to `versitygw` on PATH. Output goes to `data_dir/versitygw.log`, whose
        tail is in the error if the server exits or is not healthy within `timeout` seconds.
        """
        executable = str(binary) if binary is not None else shutil.which("versitygw")
        if executable is None:
            raise S3ServerError("versitygw not found; call install(bin_dir) first")
        for sub in ("data", "meta", "versions"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        command = [
            executable,
            "--port", f"127.0.0.1:{port}",
            "--health", HEALTH_PATH,
            "posix",
            "--sidecar", str(data_dir / "meta"),
            "--versioning-dir", str(data_dir / "versions"),
            str(data_dir / "data"),
        ]  # fmt: skip
        # Credentials go through the environment so they never show in `ps`.
        env = {**os.environ, "ROOT_ACCESS_KEY": access_key, "ROOT_SECRET_KEY": secret_key}
        log_path = data_dir / LOG_NAME
        log = log_path.open("ab")
        try:
            process = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        except BaseException:
            log.close()
            raise
        endpoint = S3Endpoint(f"http://127.0.0.1:{port}", access_key, secret_key)
        server = cls(endpoint, data_dir, process, log_path, log)
        try:
            server._wait_healthy(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def endpoint_url(self) -> str:
        return self.endpoint.endpoint_url

    def log_tail(self, limit: int = 4000) -> str:
        """The last `limit` characters the server printed."""
        try:
            return self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds; idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> S3Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_healthy(self, timeout: float) -> None:
        url = f"{self.endpoint_url}{HEALTH_PATH}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise S3ServerError(f"versitygw exited with {code}:\n{self.log_tail()}")
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(url, timeout=1.0) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise S3ServerError(
            f"versitygw not healthy at {url} after {timeout:.0f}s:\n{self.log_tail()}"
        )
