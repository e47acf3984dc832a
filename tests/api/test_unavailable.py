"""Neo4j or the S3 store down: coded answers (UNAVAILABLE, STORAGE_ERROR, HTTP 503 with
Retry-After when the whole request failed), nothing committed that is not stored, and recovery
without restarting the API once the service is back.

The suite starts its own Neo4j and versitygw in a tmp dir (never the shared ones) and a real
uvicorn server on them, then stops and restarts each service under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import lineage
from api.bootstrap_admin import ADMIN_KEY_FILE
from api.settings import Secret
from graph.core.driver import connect
from graph.core.errors import Unavailable
from graph.core.tx import fetch_one
from services import neo4j_server
from services.neo4j_server import Neo4jServerConfig
from services.s3_server import S3Endpoint, S3Server, free_port, install
from tests import conftest
from tests.conftest import start_live_server
from tests.s3_fixtures import s3_client

REPO = Path(__file__).resolve().parents[2]

ME = "{ me { name } }"


@dataclass
class Outage:
    """A dedicated Neo4j and versitygw with a live API on them, each stoppable."""

    url: str
    api_key: str
    neo4j: Neo4jServerConfig
    s3_dir: Path
    s3_port: int
    s3: S3Server

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_key}"}

    def start_s3(self) -> None:
        self.s3 = S3Server.start(
            self.s3_dir,
            self.s3_port,
            self.s3.endpoint.access_key,
            self.s3.endpoint.secret_key,
            binary=install(REPO / ".lineage" / "bin"),
        )


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outage]:
    home = tmp_path_factory.mktemp("outage")
    config = Neo4jServerConfig(
        home=home / "neo4j",
        bolt_port=free_port(),
        heap="512m",
        pagecache="64m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    access_key = os.environ.get("AWS_ACCESS_KEY_ID") or "lineage-outage"
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY") or secrets.token_hex(20)
    stack: Outage | None = None
    with pytest.MonkeyPatch.context() as env, contextlib.ExitStack() as cleanup:
        # The API's S3 store takes its keys from boto3's default chain, as in production.
        env.setenv("AWS_ACCESS_KEY_ID", access_key)
        env.setenv("AWS_SECRET_ACCESS_KEY", secret_key)
        s3_port = free_port()
        s3 = S3Server.start(
            home / "s3", s3_port, access_key, secret_key, binary=install(REPO / ".lineage" / "bin")
        )
        cleanup.callback(lambda: (stack.s3 if stack is not None else s3).stop())
        # A throwaway store: no clean shutdown needed.
        cleanup.callback(neo4j_server.stop, config, timeout=0)
        neo4j_server.start(config)
        bucket = f"outage-{uuid.uuid4().hex[:8]}"
        client = s3_client(S3Endpoint(s3.endpoint_url, access_key, secret_key))
        client.create_bucket(Bucket=bucket)
        client.close()
        password = neo4j_server.read_password(config.home)
        settings = conftest.test_settings(
            port=free_port(),
            neo4j_uri=config.bolt_uri,
            neo4j_user=neo4j_server.LOCAL_USER,
            neo4j_password=Secret(password) if password else None,
            blob_store_url=f"s3://{bucket}/lineage",
            s3_endpoint_url=s3.endpoint_url,
            data_dir=home / "data",
            allow_anonymous_read=True,
        )
        server, thread = start_live_server(settings)
        cleanup.callback(thread.join, timeout=30)
        cleanup.callback(setattr, server, "should_exit", True)
        stack = Outage(
            url=f"http://127.0.0.1:{settings.port}",
            api_key=(settings.data_dir / ADMIN_KEY_FILE).read_text().strip(),
            neo4j=config,
            s3_dir=home / "s3",
            s3_port=s3_port,
            s3=s3,
        )
        yield stack


@pytest.fixture
async def http(outage: Outage) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=outage.url, timeout=60) as client:
        yield client


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


def assert_retry_later(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert codes(body) and set(codes(body)) == {code}, body
    assert "Internal" not in response.text and "Exception" not in response.text


async def timed_post(
    http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables: Any
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response, time.monotonic() - started


async def test_neo4j_down_answers_unavailable_with_503_and_recovers_without_a_restart(
    outage: Outage, http: httpx.AsyncClient
) -> None:
    before, _ = await timed_post(http, ME, outage.headers)
    assert before.json() == {"data": {"me": {"name": "admin"}}}
    assert (await http.get("/readyz")).status_code == 200

    await asyncio.to_thread(neo4j_server.stop, outage.neo4j)
    try:
        # Authentication is the first thing to need Neo4j.
        answer, seconds = await timed_post(http, ME, outage.headers)
        assert_retry_later(answer, "UNAVAILABLE")
        assert seconds < 5
        mutation = 'mutation { createApiKey(input: {label: "x"}) { secret errors { code } } }'
        answer, seconds = await timed_post(http, mutation, outage.headers)
        assert_retry_later(answer, "UNAVAILABLE")
        # Anonymous reads reach the resolvers (and their managed transactions) instead.
        anonymous = '{ organization(name: "nobody-here") { name } }'
        answer, seconds = await timed_post(http, anonymous)
        assert_retry_later(answer, "UNAVAILABLE")
        assert seconds < 5
        # A request that partly succeeded keeps its status: only the failed field is coded.
        mixed, _ = await timed_post(http, '{ __typename organization(name: "x") { name } }')
        assert mixed.status_code == 200
        assert mixed.json()["data"]["__typename"] == "Query"
        assert codes(mixed.json()) == ["UNAVAILABLE"]

        assert (await http.get("/healthz")).status_code == 200
        started = time.monotonic()
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and time.monotonic() - started < 10
        assert ready.json()["checks"] == {"neo4j": "unavailable", "blob_store": "ok"}
    finally:
        await asyncio.to_thread(neo4j_server.start, outage.neo4j)

    deadline = time.monotonic() + 30
    while True:
        answer, _ = await timed_post(http, ME, outage.headers)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert answer.json() == {"data": {"me": {"name": "admin"}}}
    assert (await http.get("/readyz")).status_code == 200
    anonymous_again, _ = await timed_post(http, '{ organization(name: "nobody-here") { name } }')
    assert anonymous_again.json() == {"data": {"organization": None}}


CREATE_DRAFT = """
mutation($input: CreateArtifactDraftInput!) {
  createArtifactDraft(input: $input) {
    draftId uploads { digest url headers multipart { uploadId } } errors { code message }
  }
}
"""

COMMIT = """
mutation($draft: ID!) {
  commitArtifactDraft(input: {draftId: $draft}) {
    created version { path digest } errors { code message }
  }
}
"""

FILES = """
query($p: String!) { artifactVersion(path: $p) { state files { edges { node { path url } } } } }
"""


async def test_s3_down_is_storage_error_commits_nothing_and_recovers(
    outage: Outage, http: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(tmp_path / "cache"))
    org = f"outage-{uuid.uuid4().hex[:8]}"
    sdk = lineage.Client(outage.url, outage.api_key)

    def log(name: str, content: bytes) -> lineage.ArtifactVersion:
        source = tmp_path / name
        source.write_bytes(content)
        artifact = lineage.Artifact(name, "dataset")
        artifact.add_file(source)
        return lineage.log_artifact(artifact, f"{org}/p", client=sdk, progress=False)

    kept = await asyncio.to_thread(log, "kept", f"kept by {org}".encode())
    data = f"bytes of {org}".encode()
    entry = {"path": "a.txt", "digest": hashlib.sha256(data).hexdigest(), "size": len(data)}

    async def new_draft() -> httpx.Response:
        variables = {
            "input": {
                "organization": org,
                "project": "p",
                "artifact": "ds",
                "type": "dataset",
                "entries": [entry],
            }
        }
        return await http.post(
            "/graphql",
            json={"query": CREATE_DRAFT, "variables": variables},
            headers=outage.headers,
        )

    drafted = (await new_draft()).json()["data"]["createArtifactDraft"]
    assert drafted["errors"] == [] and len(drafted["uploads"]) == 1
    target = drafted["uploads"][0]

    await asyncio.to_thread(outage.s3.stop)
    try:
        # The SDK's transfers to signed URLs fail with STORAGE_ERROR, and its log commits nothing.
        with pytest.raises(lineage.LineageError) as download:
            await asyncio.to_thread(kept.download, tmp_path / "out", progress=False)
        assert download.value.code == "STORAGE_ERROR"
        # The same-origin download route answers the same code, with Retry-After.
        same_origin = await http.get(
            f"/files/{quote(kept.id, safe='')}/kept", headers=outage.headers
        )
        assert same_origin.status_code == 503, same_origin.text
        assert codes(same_origin.json()) == ["STORAGE_ERROR"]
        assert int(same_origin.headers["retry-after"]) >= 1
        with pytest.raises(lineage.LineageError) as upload:
            await asyncio.to_thread(log, "fresh", f"fresh in {org}".encode())
        assert upload.value.code == "STORAGE_ERROR"
        fresh, _ = await timed_post(http, FILES, outage.headers, p=f"{org}/p/fresh")
        assert fresh.json() == {"data": {"artifactVersion": None}}
        # The upload cannot reach the store, so the commit finds nothing stored: refused with
        # STORAGE_ERROR (not MISSING_BLOB: the store could not be asked), nothing committed.
        with pytest.raises(httpx.TransportError):
            await http.put(target["url"], content=data, headers=target["headers"])
        committed, _ = await timed_post(http, COMMIT, outage.headers, draft=drafted["draftId"])
        assert_retry_later(committed, "STORAGE_ERROR")
        version, _ = await timed_post(http, FILES, outage.headers, p=f"{org}/p/ds")
        assert version.json() == {"data": {"artifactVersion": None}}
        # A new draft is answered with a code too (a refusal, or a draft to upload to later).
        other = await new_draft()
        assert other.status_code in (200, 503), other.text
        assert set(codes(other.json())) <= {"STORAGE_ERROR"}
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"neo4j": "ok", "blob_store": "unavailable"}
    finally:
        await asyncio.to_thread(outage.start_s3)

    uploaded = await http.put(target["url"], content=data, headers=target["headers"])
    assert uploaded.status_code == 200, uploaded.text
    committed, _ = await timed_post(http, COMMIT, outage.headers, draft=drafted["draftId"])
    payload = committed.json()["data"]["commitArtifactDraft"]
    assert payload["errors"] == [] and payload["version"]["path"] == f"{org}/p/ds:v0"
    files, _ = await timed_post(http, FILES, outage.headers, p=f"{org}/p/ds:v0")
    url = files.json()["data"]["artifactVersion"]["files"]["edges"][0]["node"]["url"]
    assert (await http.get(url)).content == data
    root = await asyncio.to_thread(kept.download, tmp_path / "again", progress=False)
    assert (root / "kept").read_bytes() == f"kept by {org}".encode()
    assert (await asyncio.to_thread(log, "fresh", f"fresh in {org}".encode())).created
    assert (await http.get("/readyz")).status_code == 200
    sdk.close()


async def test_graph_calls_on_an_unreachable_server_raise_unavailable_quickly() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    graph = connect(f"bolt://127.0.0.1:{port}", None, None)
    try:
        started = time.monotonic()
        with pytest.raises(Unavailable) as refused:
            await graph.read_one("RETURN 1 AS one")
        assert refused.value.code == "UNAVAILABLE"
        with pytest.raises(Unavailable):
            await graph.ping()
        with pytest.raises(Unavailable):
            await graph.read(fetch_one, "RETURN 1 AS one")
        with pytest.raises(Unavailable):
            await graph.write(fetch_one, "RETURN 1 AS one")
        assert time.monotonic() - started < 5
    finally:
        await graph.close()
