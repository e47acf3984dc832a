"""Fixtures reaching the real services: Neo4j over Bolt, versitygw over HTTP, the API over ASGI.

Neo4j: `LINEAGE_TEST_NEO4J_URI` points at a running server (CI and `.ci/run` start one), with
`LINEAGE_TEST_NEO4J_PASSWORD` (and `_USER`, default neo4j) when it has auth on; otherwise the
project's own server is started under `.lineage/test-neo4j` for the session, with its generated
password. `neo4j_test_auth()` gives the credentials; `test_settings()` carries them.
Tests never wipe the database: each one works inside organisations with unique names, so
suites can run concurrently against one server.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.context import Services
from api.settings import Secret, Settings
from graph.access.users import create_user
from graph.core.bootstrap import bootstrap
from graph.core.driver import Graph, connect
from services import neo4j_server
from storage.base import BlobStore
from storage.local import LocalBlobStore
from storage.signing import UrlSigner

pytest_plugins = ["tests.s3_fixtures"]

REPO = Path(__file__).resolve().parent.parent
TEST_NEO4J_HOME = REPO / ".lineage" / "test-neo4j"


def neo4j_test_auth() -> tuple[str, str] | None:
    """User and password of the tests' Neo4j; None for a server with auth off (a shared dev
    server started before passwords)."""
    if os.environ.get("LINEAGE_TEST_NEO4J_URI"):
        user = os.environ.get("LINEAGE_TEST_NEO4J_USER") or os.environ.get("NEO4J_USER")
        password = os.environ.get("LINEAGE_TEST_NEO4J_PASSWORD") or os.environ.get("NEO4J_PASSWORD")
    else:
        user, password = neo4j_server.LOCAL_USER, neo4j_server.read_password(TEST_NEO4J_HOME)
    return (user or neo4j_server.LOCAL_USER, password) if password else None


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    uri = os.environ.get("LINEAGE_TEST_NEO4J_URI")
    if uri:
        yield uri
        return
    config = neo4j_server.Neo4jServerConfig(
        home=TEST_NEO4J_HOME, bolt_port=_free_port(), heap="1g", pagecache="256m"
    )
    neo4j_server.start(config)
    try:
        yield config.bolt_uri
    finally:
        neo4j_server.stop(config)


@pytest.fixture(scope="session")
async def graph(neo4j_uri: str) -> AsyncIterator[Graph]:
    graph = connect(neo4j_uri, *(neo4j_test_auth() or (None, None)))
    await bootstrap(graph)
    yield graph
    await graph.close()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """A name no other test (or earlier run) uses: `unique("org")` -> `org-1a2b3c4d5e`."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_settings(**overrides: Any) -> Settings:
    # No background sweeper: its garbage collection is global and would race the tests that
    # delete versions and collect garbage themselves. No rate limits: session-wide servers
    # serve every test from one address and key (tests/api/test_rate_limits.py sets its own).
    values: dict[str, Any] = {
        "secret_key": Secret("test-secret-key"),
        "host": "127.0.0.1",
        "sweep_interval_seconds": 0,
        "rate_limit_per_key": 0,
        "rate_limit_anonymous": 0,
        "webhook_worker": False,  # the webhook tests start the servers that deliver
    }
    auth = neo4j_test_auth()
    if auth is not None:
        values["neo4j_user"], values["neo4j_password"] = auth[0], Secret(auth[1])
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def s3_services(graph: Graph, s3_store: BlobStore) -> Services:
    """Services for an in-process app: the real Neo4j and a fresh prefix on the real S3 server."""
    return Services(settings=test_settings(), graph=graph, blobs=s3_store)


GraphQLCall = Callable[..., Awaitable[dict[str, Any]]]


@dataclass
class ApiClient:
    """Talks to an in-process app over ASGI; `gql` returns the JSON body and keeps errors."""

    http: httpx.AsyncClient

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Like `gql`, but fails the test on any GraphQL error."""
        body = await self.gql(query, variables, headers)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@dataclass(frozen=True)
class SessionUser:
    """The user the `api` and live-server fixtures authenticate as (an ordinary user, not a
    server admin): it becomes admin of every organisation it creates on first use."""

    id: str
    name: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}


@pytest.fixture(scope="session")
async def session_user(graph: Graph) -> SessionUser:
    user, key = await create_user(graph, f"test-user-{uuid.uuid4().hex[:10]}", with_key=True)
    assert key is not None
    return SessionUser(id=user.id, name=user.name, api_key=key.secret)


@pytest.fixture
async def api(s3_services: Services, session_user: SessionUser) -> AsyncIterator[ApiClient]:
    """The in-process app; requests carry the session user's API key."""
    app = create_app(s3_services.settings, services=s3_services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://lineage.test", headers=session_user.headers
    ) as http:
        yield ApiClient(http=http)


@dataclass
class LiveServer:
    url: str
    settings: Settings
    api_key: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_live_server(settings: Settings) -> tuple[uvicorn.Server, threading.Thread]:
    """A real uvicorn server in a thread, with its own event loop, driver and blob store."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("live API server did not start")
        time.sleep(0.05)
    return server, thread


@pytest.fixture(scope="session")
def live_local_server(
    neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory, session_user: SessionUser
) -> Iterator[LiveServer]:
    """The API over real HTTP with the local filesystem blob store (signed URLs served by it).

    Requests authenticate as the session user: send `server.headers`; the SDK picks the key up
    from `LINEAGE_API_KEY`, set for the whole session.
    """
    previous_key = os.environ.get("LINEAGE_API_KEY")
    os.environ["LINEAGE_API_KEY"] = session_user.api_key
    port = _free_port()
    settings = test_settings(
        port=port,
        neo4j_uri=neo4j_uri,
        blob_store_url=str(tmp_path_factory.mktemp("blobs")),
        data_dir=tmp_path_factory.mktemp("data"),
    )
    server, thread = start_live_server(settings)
    yield LiveServer(
        url=f"http://127.0.0.1:{port}", settings=settings, api_key=session_user.api_key
    )
    server.should_exit = True
    thread.join(timeout=30)
    if previous_key is None:
        os.environ.pop("LINEAGE_API_KEY", None)
    else:
        os.environ["LINEAGE_API_KEY"] = previous_key


__all__ = [
    "ApiClient",
    "LiveServer",
    "LocalBlobStore",
    "SessionUser",
    "UrlSigner",
    "test_settings",
]
