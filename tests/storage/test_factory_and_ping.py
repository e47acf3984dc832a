"""Opening a store from its URL, and `ping` telling a reachable store from an unreachable one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.s3_server import S3Endpoint, free_port
from storage.base import BlobStoreError
from storage.factory import open_blob_store
from storage.local import LocalBlobStore
from storage.s3 import S3BlobStore
from storage.signing import UrlSigner

SIGNER = UrlSigner(b"s" * 32)


async def test_s3_urls_open_an_s3_store_on_bucket_and_prefix(
    s3_server: S3Endpoint, s3_bucket: str
) -> None:
    store = open_blob_store(
        f"s3://{s3_bucket}/team/blobs/",
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
    )
    assert isinstance(store, S3BlobStore) and store.kind == "s3"
    assert (store.bucket, store.prefix) == (s3_bucket, "team/blobs")
    assert store.key_for("a" * 64) == f"team/blobs/blobs/sha256/aa/aa/{'a' * 64}"
    await store.ping()
    await store.close()


@pytest.mark.parametrize("form", ["file", "path"])
async def test_file_urls_and_plain_paths_open_a_local_store(tmp_path: Path, form: str) -> None:
    url = (tmp_path / "b").as_uri() if form == "file" else str(tmp_path / "b")
    store = open_blob_store(url, signer=SIGNER, public_base_url="http://api.test/")
    assert isinstance(store, LocalBlobStore) and store.kind == "local"
    assert store.root == (tmp_path / "b").resolve()
    await store.ping()


def test_unknown_schemes_and_incomplete_local_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        open_blob_store("gs://bucket/prefix", signer=SIGNER, public_base_url="http://api.test")
    with pytest.raises(ValueError):
        open_blob_store(str(tmp_path))
    with pytest.raises(ValueError):
        open_blob_store("file://elsewhere/x", signer=SIGNER, public_base_url="http://api.test")


async def test_ping_fails_for_a_missing_bucket_or_a_dead_endpoint(s3_server: S3Endpoint) -> None:
    for bucket, endpoint in [
        ("lineage-no-such-bucket", s3_server.endpoint_url),
        ("lineage", f"http://127.0.0.1:{free_port()}"),
    ]:
        store = S3BlobStore(
            bucket,
            endpoint_url=endpoint,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
        )
        started = time.monotonic()
        with pytest.raises(BlobStoreError):
            await store.ping()
        assert time.monotonic() - started < 3  # a readiness probe must not hang on retries
        await store.close()


async def test_ping_fails_when_the_local_root_is_gone(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "b", SIGNER, "http://api.test")
    (tmp_path / "b").rmdir()
    with pytest.raises(BlobStoreError):
        await store.ping()
