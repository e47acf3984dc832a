"""Signed URLs of the local store, as the API checks them before streaming a blob in or out."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.base import BlobStoreError, DigestMismatch, InvalidSignature, SignatureExpired
from storage.local import LocalBlobStore
from storage.signing import UrlSigner
from tests.s3_fixtures import LOCAL_BASE_URL
from tests.storage.helpers import blob, chunks, names_in, read_all


def _query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


async def test_upload_url_is_served_by_the_api_and_verifies(local_store: LocalBlobStore) -> None:
    data, digest = blob(3000)
    target = await local_store.presign_upload(digest, len(data), expires_in=60)
    assert target.method == "PUT" and target.multipart is None and target.headers == {}
    assert target.url is not None and target.url.startswith(f"{LOCAL_BASE_URL}/blobs/{digest}?")
    path, query = _query(target.url)
    assert path == f"/blobs/{digest}" and query["verb"] == "PUT"
    assert 55 <= int(query["expires"]) - time.time() <= 61
    signed = local_store.verify_url(
        digest, query["verb"], query["expires"], query["sig"], size=query["size"]
    )
    assert signed == len(data)
    for size in (None, str(len(data) + 1), "-1", "many"):
        with pytest.raises(InvalidSignature):
            local_store.verify_url(digest, "PUT", query["expires"], query["sig"], size=size)
    assert await local_store.put_stream(digest, chunks(data)) == len(data)
    assert await read_all(local_store, digest) == data


async def test_download_url_carries_the_file_name_unsigned(local_store: LocalBlobStore) -> None:
    _, digest = blob(10)
    url = await local_store.presign_download(digest, 60, filename="weights v2.bin")
    _, query = _query(url)
    assert query["verb"] == "GET" and query["filename"] == "weights v2.bin"
    local_store.verify_url(digest, "GET", int(query["expires"]), query["sig"])


async def test_tampered_wrong_verb_wrong_blob_and_expired_urls_are_refused(
    local_store: LocalBlobStore,
) -> None:
    _, digest = blob(10)
    _, other = blob(10)
    _, query = _query(await local_store.presign_download(digest, 60))
    sig, expires = query["sig"], query["expires"]
    tampered = ("0" if sig[0] != "0" else "1") + sig[1:]
    with pytest.raises(InvalidSignature) as raised:
        local_store.verify_url(digest, "GET", expires, tampered)
    assert not isinstance(raised.value, SignatureExpired)
    with pytest.raises(InvalidSignature):
        local_store.verify_url(digest, "PUT", expires, sig)
    with pytest.raises(InvalidSignature):
        local_store.verify_url(other, "GET", expires, sig)
    with pytest.raises(InvalidSignature):
        local_store.verify_url(digest, "GET", str(int(expires) + 3600), sig)
    with pytest.raises(InvalidSignature):
        local_store.verify_url(digest, "GET", "soon", sig)
    with pytest.raises(InvalidSignature):
        local_store.verify_url(digest, "GET", expires, "é" * 64)


def test_a_genuine_signature_past_its_expiry_is_expired() -> None:
    signer = UrlSigner(b"k" * 32)
    _, digest = blob(10)
    sig = signer.sign(digest, "GET", 1_000)
    signer.verify(digest, "GET", 1_000, sig, now=999)
    signer.verify(digest, "get", 1_000, sig.upper(), now=1_000)
    with pytest.raises(SignatureExpired):
        signer.verify(digest, "GET", 1_000, sig, now=1_001)


def test_signatures_depend_on_the_secret() -> None:
    _, digest = blob(10)
    sig = UrlSigner(b"a" * 32).sign(digest, "GET", 2_000)
    with pytest.raises(InvalidSignature):
        UrlSigner(b"b" * 32).verify(digest, "GET", 2_000, sig, now=1_000)
    with pytest.raises(ValueError):
        UrlSigner(b"")
    assert "a" * 32 not in repr(UrlSigner(b"a" * 32))


async def test_local_store_has_no_multipart_uploads(local_store: LocalBlobStore) -> None:
    _, digest = blob(10)
    target = await local_store.presign_upload(digest, 10 * 1024**3, expires_in=60)
    assert target.multipart is None and target.url is not None
    with pytest.raises(BlobStoreError):
        await local_store.complete_multipart(digest, "upload", [(1, "etag")])
    await local_store.abort_multipart(digest, "upload")


async def test_a_failed_write_leaves_no_temporary_file(local_store: LocalBlobStore) -> None:
    data, _ = blob(3000)
    _, wrong = blob(3000)
    with pytest.raises(DigestMismatch):
        await local_store.put_stream(wrong, chunks(data))
    assert names_in(local_store.path_for(wrong).parent) == set()
