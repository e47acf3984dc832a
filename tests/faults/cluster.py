"""A small production-shaped deployment on one machine, owned by the fault suite.

One Neo4j (its own store in a temporary folder, on a free port, auth on), one versitygw (its own
folder and port), and API processes (`lineage serve`) on top: the first reaches Neo4j through
`bolt://`, the second through a `neo4j://` routing URI, as replicas of a cluster or an Aura
deployment would. Every process here is started and stopped by this module, by its own pid;
the shared development services are never touched.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services import neo4j_server
from services.neo4j_server import NEO4J_VERSION, Neo4jServerConfig
from services.s3_server import S3Endpoint, S3Server, free_port, install
from tests.s3_fixtures import s3_client

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0


def _jar_cache() -> Path:
    """The Neo4j jars the project's own servers already use (no second Maven download)."""
    name = f"neo4j-lib-{NEO4J_VERSION}"
    candidates = [
        Path(os.environ.get("LINEAGE_DATA_DIR", REPO / ".lineage")) / name,
        REPO / ".lineage" / name,
        *sorted((REPO / ".lineage").glob(f"*/{name}")),
    ]
    for candidate in candidates:
        if (candidate / ".complete").exists():
            return candidate.resolve()
    return candidates[0]


@dataclass
class Neo4jNode:
    """A dedicated Neo4j; `kill()` is SIGKILL (no checkpoint), `start()` recovers the store."""

    config: Neo4jServerConfig
    pid: int | None = None

    @classmethod
    def create(cls, home: Path) -> Neo4jNode:
        return cls(
            Neo4jServerConfig(
                home=home,
                bolt_port=free_port(),
                heap="512m",
                pagecache="128m",
                jar_cache=_jar_cache(),
            )
        )

    @property
    def bolt_uri(self) -> str:
        return self.config.bolt_uri

    @property
    def routing_uri(self) -> str:
        return f"neo4j://127.0.0.1:{self.config.bolt_port}"

    @property
    def password(self) -> str | None:
        return neo4j_server.read_password(self.config.home)

    def start(self) -> float:
        """Start (or recover) the server; seconds until Bolt accepted the password."""
        began = time.monotonic()
        self.pid = neo4j_server.start(self.config, timeout=120)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would; the process is reaped by `stop`."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            neo4j_server.stop(self.config, timeout=10)
            self.pid = None

    def stop(self) -> None:
        neo4j_server.stop(self.config, timeout=30)
        self.pid = None


@dataclass
class S3Node:
    """A dedicated versitygw on a fixed port; stopping and starting keeps its data."""

    data_dir: Path
    port: int
    access_key: str
    secret_key: str
    server: S3Server | None = None

    @classmethod
    def create(cls, data_dir: Path) -> S3Node:
        return cls(data_dir, free_port(), "lineage-faults", secrets.token_hex(20))

    @property
    def endpoint(self) -> S3Endpoint:
        return S3Endpoint(f"http://127.0.0.1:{self.port}", self.access_key, self.secret_key)

    def start(self) -> None:
        binary = install(REPO / ".lineage" / "bin")
        self.server = S3Server.start(
            self.data_dir, self.port, self.access_key, self.secret_key, binary=binary
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def create_bucket(self, bucket: str) -> None:
        s3_client(self.endpoint).create_bucket(Bucket=bucket)


@dataclass
class ApiNode:
    """One `lineage serve` process; its output goes to `<data_dir>/api.log`."""

    name: str
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @classmethod
    def create(cls, name: str, data_dir: Path, settings: dict[str, str]) -> ApiNode:
        """A process on a free port whose environment is this one without any LINEAGE_ or
        NEO4J_ variable, plus `settings` (README's settings table)."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "NEO4J_"))}
        port = free_port()
        env = {
            **keep,
            "LINEAGE_PORT": str(port),
            "LINEAGE_DATA_DIR": str(data_dir),
            "LINEAGE_SWEEP_INTERVAL": "0",
            "LINEAGE_LOG_LEVEL": "WARNING",
            **settings,
        }
        return cls(name, port, data_dir, env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_healthy`)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / "api.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve"],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def start(self) -> float:
        """Start the process; seconds until /healthz answered (its lifespan has finished)."""
        began = time.monotonic()
        self.launch()
        self.wait_healthy(began)
        return time.monotonic() - began

    def wait_healthy(self, began: float) -> None:
        """Wait until /healthz answers (the lifespan has finished), at most START_SECONDS
        after `began`; the process is stopped and RuntimeError raised otherwise."""
        assert self.process is not None
        deadline = began + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: requests in flight are cut off wherever they are."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return (self.data_dir / "api.log").read_bytes()[-limit:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""


@dataclass
class Cluster:
    """Neo4j, versitygw and two API processes sharing one bucket prefix and signing key."""

    root: Path
    neo4j: Neo4jNode
    s3: S3Node
    bucket: str
    apis: list[ApiNode] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path) -> Cluster:
        return cls(
            root,
            Neo4jNode.create(root / "neo4j"),
            S3Node.create(root / "versitygw"),
            f"faults-{secrets.token_hex(4)}",
        )

    def start(self, api_count: int = 2) -> dict[str, float]:
        """Start everything; the seconds each part took."""
        timings = {"neo4j": self.neo4j.start()}
        began = time.monotonic()
        self.s3.start()
        self.s3.create_bucket(self.bucket)
        timings["versitygw"] = time.monotonic() - began
        secret_key = secrets.token_hex(32)  # one signing key: any replica serves any URL
        for index in range(api_count):
            uri = self.neo4j.bolt_uri if index == 0 else self.neo4j.routing_uri
            self.apis.append(self._api(f"api{index + 1}", uri, secret_key))
        began = time.monotonic()
        for api in self.apis:  # side by side, as replicas of a deployment start
            api.launch()
        for api in self.apis:
            api.wait_healthy(began)
        timings["apis"] = time.monotonic() - began
        return timings

    def _api(self, name: str, neo4j_uri: str, secret_key: str) -> ApiNode:
        return ApiNode.create(
            name,
            self.root / name,
            {
                "NEO4J_URI": neo4j_uri,
                "NEO4J_USER": neo4j_server.LOCAL_USER,
                "NEO4J_PASSWORD": self.neo4j.password or "",
                "LINEAGE_SECRET_KEY": secret_key,
                "LINEAGE_BLOB_STORE": f"s3://{self.bucket}/blobs",
                "AWS_ENDPOINT_URL_S3": self.s3.endpoint.endpoint_url,
                "AWS_ACCESS_KEY_ID": self.s3.access_key,
                "AWS_SECRET_ACCESS_KEY": self.s3.secret_key,
                "AWS_REGION": self.s3.endpoint.region,
            },
        )

    def admin_key(self) -> str:
        """The server admin key that the first start wrote (into whichever process's data
        folder created the admin: only one does)."""
        for api in self.apis:
            path = api.data_dir / "admin_api_key"
            if path.exists():
                return path.read_text().strip()
        raise RuntimeError("no API process created the server admin")

    def stop(self) -> None:
        """Stop every process this cluster started (each by its own pid)."""
        for api in self.apis:
            api.stop()
        self.s3.stop()
        self.neo4j.stop()
