"""Same-origin downloads (`/files/<version id>/<path>`, `/manifests/<version id>`) from a live API
over real HTTP whose blob store is the session's real S3 server (versitygw), on the real Neo4j.
Data is logged through the Python SDK, as a user would."""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import uvicorn
from strawberry import relay

import lineage
from api.web.csrf import CSRF_HEADER, SESSION_COOKIE
from graph.artifacts.versions import manifest_layouts
from graph.core.driver import Graph
from services.s3_server import S3Endpoint
from tests.conftest import SessionUser, _free_port
from tests.conftest import test_settings as settings_with
from tests.sdk.live import _WithS3Services

from .conftest import WebUser

SMALL = b"hello, downloads\n"
LARGE = os.urandom(6 * 1024 * 1024 + 12_345)  # over one multipart part, several read chunks
NESTED = "deep dir/naïve café ✓/résumé 1.txt"
NESTED_BYTES = "unicode ✓ content\n".encode()
REFERENCE = "https://example.invalid/data/table.csv"


@dataclass
class Server:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _serve(neo4j_uri: str, s3: S3Endpoint, bucket: str, prefix: str, **overrides: Any) -> Server:
    """The app over real HTTP on S3 `bucket/prefix`, with settings overridden as given."""
    port = _free_port()
    settings = settings_with(port=port, neo4j_uri=neo4j_uri, **overrides)
    app = _WithS3Services(settings, neo4j_uri, s3, bucket, prefix)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    return Server(f"http://127.0.0.1:{port}", server, thread)


@dataclass(frozen=True)
class Seeded:
    url: str
    anonymous_url: str
    key: str
    version_id: str
    version_path: str
    artifact: str
    index: int


@pytest.fixture(scope="module")
def seeded(
    neo4j_uri: str,
    s3_server: S3Endpoint,
    s3_bucket: str,
    session_user: SessionUser,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Seeded]:
    """One version holding a small, a multi-MiB and a nested unicode file and an https
    reference, logged by the session user (admin of its new organisation); a second server on
    the same store with anonymous read on."""
    prefix = f"downloads-{uuid.uuid4().hex[:8]}"
    main = _serve(neo4j_uri, s3_server, s3_bucket, prefix)
    anonymous = _serve(neo4j_uri, s3_server, s3_bucket, prefix, allow_anonymous_read=True)
    tmp = tmp_path_factory.mktemp("downloads")
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            lineage.Client(main.url, api_key=session_user.api_key) as sdk,
        ):
            patch.setenv("LINEAGE_CACHE_DIR", str(tmp / "cache"))
            patch.setenv("LINEAGE_PROGRESS", "0")
            artifact = lineage.Artifact("bundle", "dataset")
            for path, content in (
                ("empty.txt", b""),
                ("small.txt", SMALL),
                ("big/model.bin", LARGE),
                (NESTED, NESTED_BYTES),
            ):
                local = tmp / "src" / path
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(content)
                artifact.add_file(local, path)
            artifact.add_reference(REFERENCE, name="ext/table.csv", checksum=False)
            org = f"dl-{uuid.uuid4().hex[:10]}"
            version = lineage.log_artifact(artifact, f"{org}/p", client=sdk)
        yield Seeded(
            url=main.url,
            anonymous_url=anonymous.url,
            key=session_user.api_key,
            version_id=version.id,
            version_path=version.path,
            artifact="bundle",
            index=0,
        )
    finally:
        main.stop()
        anonymous.stop()


def _file_url(base: str, version_id: str, path: str) -> str:
    encoded = "/".join(quote(segment, safe="") for segment in path.split("/"))
    return f"{base}/files/{quote(version_id, safe='')}/{encoded}"


def _bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def _stored_id(global_id: str) -> str:
    return relay.GlobalID.from_id(global_id).node_id


def _graphql(server: str, key: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = httpx.post(
        f"{server}/graphql",
        json={"query": query, "variables": variables},
        headers=_bearer(key),
        timeout=30,
    ).json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.parametrize(
    ("path", "content"),
    [("empty.txt", b""), ("small.txt", SMALL), ("big/model.bin", LARGE), (NESTED, NESTED_BYTES)],
)
def test_a_file_downloads_with_its_bytes_and_headers(
    seeded: Seeded, path: str, content: bytes
) -> None:
    response = httpx.get(
        _file_url(seeded.url, seeded.version_id, path), headers=_bearer(seeded.key), timeout=60
    )
    assert response.status_code == 200, response.text
    assert response.content == content
    digest = hashlib.sha256(response.content).hexdigest()
    assert digest == hashlib.sha256(content).hexdigest() == response.headers["x-content-sha256"]
    assert response.headers["content-length"] == str(len(content))
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    basename = path.rsplit("/", 1)[-1]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(basename, safe='')}" in disposition


def test_the_stored_id_works_too(seeded: Seeded) -> None:
    response = httpx.get(
        _file_url(seeded.url, _stored_id(seeded.version_id), "small.txt"),
        headers=_bearer(seeded.key),
    )
    assert response.status_code == 200 and response.content == SMALL


def test_the_manifest_downloads_and_lists_every_entry(seeded: Seeded) -> None:
    response = httpx.get(
        f"{seeded.url}/manifests/{quote(seeded.version_id, safe='')}",
        headers=_bearer(seeded.key),
    )
    assert response.status_code == 200, response.text
    data = _graphql(
        seeded.url,
        seeded.key,
        "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { manifest { digest size } } } }",
        {"id": seeded.version_id},
    )
    manifest = data["node"]["manifest"]
    assert hashlib.sha256(response.content).hexdigest() == manifest["digest"]
    assert len(response.content) == int(manifest["size"])
    assert response.headers["content-length"] == str(manifest["size"])
    assert response.headers["cache-control"] == "private, no-store"
    name = f"{seeded.artifact}-v{seeded.index}.manifest.jsonl"
    assert f"filename*=UTF-8''{name}" in response.headers["content-disposition"]
    text = response.content.decode()
    for path in ("small.txt", "big/model.bin", NESTED, "ext/table.csv"):
        assert f'"path":"{path}"' in text or f'"path": "{path}"' in text


def test_a_missing_path_and_a_missing_version_answer_not_found(seeded: Seeded) -> None:
    headers = _bearer(seeded.key)
    for url in (
        _file_url(seeded.url, seeded.version_id, "nope.txt"),
        _file_url(seeded.url, seeded.version_id, "small.txt/more"),
        _file_url(seeded.url, seeded.version_id, "SMALL.TXT"),  # exact match only
        _file_url(seeded.url, seeded.version_id, "big"),  # a directory is not a file
        _file_url(seeded.url, str(relay.GlobalID("ArtifactVersion", "nope")), "small.txt"),
        f"{seeded.url}/manifests/{quote(str(relay.GlobalID('ArtifactVersion', 'nope')), safe='')}",
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 404, (url, response.text)
        assert _code(response) == "NOT_FOUND"
    # Under /files/ nothing falls through to the app's page.
    response = httpx.get(f"{seeded.url}/files/", headers=headers)
    assert response.status_code in (400, 404) and "<div" not in response.text


def test_another_organisations_version_answers_like_a_missing_one(
    seeded: Seeded, web_user: WebUser
) -> None:
    headers = _bearer(web_user.key)
    hidden = httpx.get(_file_url(seeded.url, seeded.version_id, "small.txt"), headers=headers)
    missing = httpx.get(
        _file_url(seeded.url, str(relay.GlobalID("ArtifactVersion", "nope")), "small.txt"),
        headers=headers,
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    manifest = httpx.get(
        f"{seeded.url}/manifests/{quote(seeded.version_id, safe='')}", headers=headers
    )
    assert manifest.status_code == 404 and manifest.json() == missing.json()


def test_anonymous_callers_are_refused_unless_anonymous_read_is_on(seeded: Seeded) -> None:
    refused = httpx.get(_file_url(seeded.url, seeded.version_id, "small.txt"))
    assert refused.status_code == 401 and _code(refused) == "UNAUTHENTICATED"
    missing = httpx.get(_file_url(seeded.url, "nope", "small.txt"))
    assert missing.status_code == 401  # nothing is looked up for them
    bad_key = httpx.get(
        _file_url(seeded.url, seeded.version_id, "small.txt"), headers=_bearer("lin_bad_key")
    )
    assert bad_key.status_code == 401 and _code(bad_key) == "UNAUTHENTICATED"

    allowed = httpx.get(_file_url(seeded.anonymous_url, seeded.version_id, "small.txt"))
    assert allowed.status_code == 200 and allowed.content == SMALL


def test_the_session_cookie_works_from_the_apps_own_pages_only(seeded: Seeded) -> None:
    origin = seeded.url
    signed_in = httpx.post(
        f"{seeded.url}/auth/session",
        json={"apiKey": seeded.key},
        headers={CSRF_HEADER: "1", "origin": origin},
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.cookies[SESSION_COOKIE]
    cookie = {"cookie": f"{SESSION_COOKIE}={token}"}
    url = _file_url(seeded.url, seeded.version_id, NESTED)

    for fetch in ({"sec-fetch-site": "same-origin"}, {"sec-fetch-site": "none"}, {}):
        response = httpx.get(url, headers={**cookie, **fetch})
        assert response.status_code == 200, response.text
        assert response.content == NESTED_BYTES

    for foreign in (
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "http://evil.example"},
    ):
        response = httpx.get(url, headers={**cookie, **foreign})
        assert response.status_code == 403 and _code(response) == "CSRF_REJECTED"

    # Signed out: the cookie no longer reads anything.
    out = httpx.request(
        "DELETE",
        f"{seeded.url}/auth/session",
        headers={**cookie, "content-type": "application/json", CSRF_HEADER: "1"},
    )
    assert out.status_code == 200
    ended = httpx.get(url, headers=cookie)
    assert ended.status_code == 401 and _code(ended) == "UNAUTHENTICATED"


def _raw_get(base: str, target: str, key: str) -> tuple[int, bytes]:
    """GET `target` sent exactly as written (no client-side normalisation of dot segments)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.putheader("authorization", f"Bearer {key}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_path_traversal_is_refused(seeded: Seeded) -> None:
    version = quote(seeded.version_id, safe="")
    for target in (
        f"/files/{version}/../small.txt",
        f"/files/{version}/big/../small.txt",
        f"/files/{version}/%2e%2e/small.txt",
        f"/files/{version}/big%2F..%2Fsmall.txt",
        f"/files/{version}/./small.txt",
        f"/files/{version}//small.txt",
        f"/files/{version}/big%5Cmodel.bin",
        f"/files/{version}/%2Fsmall.txt",
        f"/files/{version}/%00small.txt",
        f"/files/{version}/%ff.txt",
    ):
        status, body = _raw_get(seeded.url, target, seeded.key)
        assert status == 400, (target, status, body)
        assert b"INVALID_PATH" in body
        assert SMALL not in body


def test_a_reference_entry_answers_conflict_with_its_uri(seeded: Seeded) -> None:
    response = httpx.get(
        _file_url(seeded.url, seeded.version_id, "ext/table.csv"), headers=_bearer(seeded.key)
    )
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "CONFLICT", "reference": REFERENCE}
    assert "reference" in error["message"] and REFERENCE in error["message"]


MANY = 5000
"""References in the many-page version: over `PAGE_MAX_ENTRIES`, so it has several pages."""


@pytest.fixture(scope="module")
def many_pages(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """A version of 5,000 https references with stored files before, among and after them; its
    global id and the stored files' paths."""
    tmp = tmp_path_factory.mktemp("many-pages")
    stored = ["a-first.txt", "many/r02500-stored.txt", "zz-last.txt"]
    artifact = lineage.Artifact("many", "dataset")
    for path in stored:
        local = tmp / path
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(path.encode())
        artifact.add_file(local, path)
    for i in range(MANY):
        artifact.add_reference(
            f"https://example.invalid/r/{i}", name=f"many/r{i:05d}.csv", checksum=False
        )
    with (
        pytest.MonkeyPatch.context() as patch,
        lineage.Client(seeded.url, api_key=seeded.key) as sdk,
    ):
        patch.setenv("LINEAGE_CACHE_DIR", str(tmp / "cache"))
        patch.setenv("LINEAGE_PROGRESS", "0")
        org = seeded.version_path.split("/", 1)[0]
        version = lineage.log_artifact(artifact, f"{org}/p", client=sdk)
    return version.id, stored


async def test_entries_are_found_on_every_page_of_a_large_manifest(
    seeded: Seeded, many_pages: tuple[str, list[str]], graph: Graph
) -> None:
    version_id, stored = many_pages
    [layout] = await manifest_layouts(graph, [_stored_id(version_id)])
    assert layout is not None and layout.file_count == MANY + len(stored)
    assert len(layout.page_digests) >= 2
    async with httpx.AsyncClient(headers=_bearer(seeded.key), timeout=30) as client:
        for path in stored:
            response = await client.get(_file_url(seeded.url, version_id, path))
            assert response.status_code == 200, (path, response.text)
            assert response.content == path.encode()
        for i in (0, 1, 2499, 2500, 4095, 4096, MANY - 1):
            response = await client.get(_file_url(seeded.url, version_id, f"many/r{i:05d}.csv"))
            assert response.status_code == 409, (i, response.text)
            assert response.json()["errors"][0]["extensions"]["reference"].endswith(f"/r/{i}")
        for missing in ("a.txt", "many/r02500.csv.bak", "many/r99999.csv", "zzz.txt", "many"):
            response = await client.get(_file_url(seeded.url, version_id, missing))
            assert response.status_code == 404, (missing, response.text)
