"""A live API over real HTTP whose blob store is the session's real S3 server.

`start_s3_live_server` runs uvicorn in a thread with its own event loop, Neo4j driver and
S3BlobStore (opened in the lifespan with explicit credentials, so nothing is put in the process
environment). Several may run at once over one bucket prefix: separate API processes in all but
the OS process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import create_app
from api.context import Services
from api.settings import Settings
from graph.core.driver import Graph, connect
from services.s3_server import S3Endpoint
from storage.multipart import MIN_PART_SIZE
from storage.s3 import S3BlobStore
from tests.conftest import _free_port, test_settings


@dataclass
class S3LiveServer:
    url: str
    settings: Settings
    api_key: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class _WithS3Services:
    """Opens Services with an explicit S3 store at startup, then serves the normal app."""

    def __init__(
        self, settings: Settings, neo4j_uri: str, endpoint: S3Endpoint, bucket: str, prefix: str
    ) -> None:
        self.settings = settings
        self.neo4j_uri = neo4j_uri
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix
        self.app: ASGIApp | None = None
        self.graph: Graph | None = None
        self.store: S3BlobStore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            assert self.app is not None
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.graph = connect(self.neo4j_uri, *self.settings.neo4j_auth())
                self.store = S3BlobStore(
                    self.bucket,
                    self.prefix,
                    endpoint_url=self.endpoint.endpoint_url,
                    region=self.endpoint.region,
                    access_key=self.endpoint.access_key,
                    secret_key=self.endpoint.secret_key,
                    multipart_threshold=MIN_PART_SIZE,
                    part_size=MIN_PART_SIZE,
                )
                services = Services(settings=self.settings, graph=self.graph, blobs=self.store)
                self.app = create_app(self.settings, services=services)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.store is not None:
                    await self.store.close()
                if self.graph is not None:
                    await self.graph.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def start_s3_live_server(
    neo4j_uri: str, endpoint: S3Endpoint, bucket: str, prefix: str, api_key: str
) -> S3LiveServer:
    port = _free_port()
    settings = test_settings(port=port, neo4j_uri=neo4j_uri)
    app = _WithS3Services(settings, neo4j_uri, endpoint, bucket, prefix)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("live API server did not start")
        time.sleep(0.05)
    return S3LiveServer(f"http://127.0.0.1:{port}", settings, api_key, server, thread)
