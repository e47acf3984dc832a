"""Signed blob URLs over real HTTP: scoped to one blob, one verb and a short time; no traversal.

The live server serves `/blobs/<digest>` for the local store. The test signs URLs with the same
secret (the test settings' key), so every refusal below is of a URL that differs from a genuine
one in exactly one way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from storage.keys import sha256_bytes
from storage.local import LocalBlobStore
from storage.signing import UrlSigner
from tests.conftest import ApiClient, LiveServer


@pytest.fixture(scope="module")
def store(live_local_server: LiveServer) -> LocalBlobStore:
    settings = live_local_server.settings
    return LocalBlobStore(
        Path(settings.blob_store),
        UrlSigner(settings.secret_key.value.encode()),
        live_local_server.url,
    )


def signed(server: LiveServer, digest: str, verb: str, expires: int, **extra: str) -> str:
    signer = UrlSigner(server.settings.secret_key.value.encode())
    query = {"verb": verb, "expires": str(expires), "sig": signer.sign(digest, verb, expires)}
    query.update(extra)
    return f"{server.url}/blobs/{digest}?{urlencode(query)}"


async def stored_blob(store: LocalBlobStore, data: bytes) -> str:
    digest = sha256_bytes(data)

    async def chunks() -> Any:
        yield data

    await store.put_stream(digest, chunks())
    return digest


async def test_a_genuine_download_url_works_and_every_altered_one_fails(
    live_local_server: LiveServer, store: LocalBlobStore
) -> None:
    secret = b"model weights " + str(time.time()).encode()
    digest = await stored_blob(store, secret)
    other = await stored_blob(store, b"another blob " + str(time.time()).encode())
    url = await store.presign_download(digest, 60)
    async with httpx.AsyncClient(timeout=60) as http:
        good = await http.get(url)
        assert good.status_code == 200 and good.content == secret

        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        base = f"{live_local_server.url}/blobs"
        tampered_sig = dict(query, sig=("0" if query["sig"][0] != "0" else "1") + query["sig"][1:])
        later = dict(query, expires=str(int(query["expires"]) + 3600))
        as_put = dict(query, verb="PUT")
        cases = {
            "tampered signature": f"{base}/{digest}?{urlencode(tampered_sig)}",
            "extended expiry": f"{base}/{digest}?{urlencode(later)}",
            "other verb in the query": f"{base}/{digest}?{urlencode(as_put)}",
            "other blob": f"{base}/{other}?{parts.query}",
            "no signature": f"{base}/{digest}",
            "expired": signed(live_local_server, digest, "GET", int(time.time()) - 1),
            "uppercase digest": f"{base}/{digest.upper()}?{parts.query}",
        }
        for name, altered in cases.items():
            response = await http.get(altered)
            assert response.status_code == 403, name
            assert response.json()["error"]["code"] == "FORBIDDEN", name
            assert secret not in response.content, name
        expired = await http.get(cases["expired"])
        assert expired.json()["error"]["message"] == "Signed URL expired"

        # a download URL cannot be replayed as an upload, which would overwrite nothing anyway
        put = await http.put(url, content=b"evil")
        assert put.status_code == 403
        # nor a HEAD/GET URL turned into a write by method alone
        assert (await http.get(url)).content == secret


async def test_uploads_need_a_put_url_for_that_digest_and_matching_bytes(
    live_local_server: LiveServer, store: LocalBlobStore
) -> None:
    data = b"fresh upload " + str(time.time()).encode()
    digest = sha256_bytes(data)
    target = await store.presign_upload(digest, len(data), 60)
    assert target.url is not None
    async with httpx.AsyncClient(timeout=60) as http:
        wrong = await http.put(target.url, content=data[:-1] + b"!")
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "DIGEST_MISMATCH"
        assert not await store.exists(digest)
        as_get = signed(live_local_server, digest, "GET", int(time.time()) + 60)
        assert (await http.put(as_get, content=data)).status_code == 403
        other = sha256_bytes(b"other")
        other_url = target.url.replace(digest, other)
        assert (await http.put(other_url, content=b"other")).status_code == 403
        assert not await store.exists(other)
        ok = await http.put(target.url, content=data)
        assert ok.status_code == 201 and await store.exists(digest)


@pytest.mark.parametrize(
    "raw_path",
    [
        "/blobs/../../../../etc/passwd",
        "/blobs/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/blobs/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/blobs/..%5C..%5Cwindows%5Cwin.ini",
        "/blobs/%00",
        "/blobs/" + "a" * 64 + "%2F..%2F..%2Fsecret_key",
    ],
)
async def test_path_traversal_in_blob_urls_reaches_no_file(
    live_local_server: LiveServer, raw_path: str
) -> None:
    expires = int(time.time()) + 60
    query = urlencode({"verb": "GET", "expires": str(expires), "sig": "0" * 64})
    async with httpx.AsyncClient(timeout=60) as http:
        request = http.build_request("GET", f"{live_local_server.url}/blobs/x")
        request.url = request.url.copy_with(raw_path=f"{raw_path}?{query}".encode())
        response = await http.send(request)
    assert b"root:" not in response.content and b"[fonts]" not in response.content
    if response.status_code == 200:  # httpx removed the dot segments: a page of the web app
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        return
    assert response.status_code in {403, 404}
    assert response.headers.get("content-type", "").startswith("application/json") or (
        response.status_code == 404
    )


@pytest.mark.parametrize(
    "path",
    ["../escape", "a/../../b", "/etc/passwd", "a\\b", "C:/x", "a\x00b", "a//b", "./a", "."],
)
async def test_manifest_paths_cannot_escape_the_artifact(
    api: ApiClient, unique: Callable[[str], str], path: str
) -> None:
    org = unique("org")
    data = b"x"
    body = await api.data(
        """
        mutation($input: CreateArtifactDraftInput!) {
          createArtifactDraft(input: $input) { draftId errors { code field } }
        }
        """,
        {
            "input": {
                "organization": org,
                "project": "p",
                "artifact": "a",
                "type": "dataset",
                "entries": [{"path": path, "digest": sha256_bytes(data), "size": len(data)}],
            }
        },
    )
    payload = body["createArtifactDraft"]
    assert payload["draftId"] is None
    assert [e["code"] for e in payload["errors"]] == ["INVALID_PATH"]
    lookup = await api.data(
        'query($o: String!) { project(organization: $o, name: "p") { name } }', {"o": org}
    )
    assert lookup == {"project": None}  # nothing half-written, not even the project
