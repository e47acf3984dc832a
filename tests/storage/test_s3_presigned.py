"""Presigned URLs against versitygw over real HTTP: what a client outside the API would do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.s3_server import S3Endpoint
from storage.base import BlobStoreError, DigestMismatch
from storage.multipart import MiB
from storage.s3 import S3BlobStore
from tests.storage.helpers import blob, chunks, read_all


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_presigned_put_uploads_a_blob(s3_store: S3BlobStore, http: httpx.AsyncClient) -> None:
    data, digest = blob(4000)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.method == "PUT" and target.url is not None and target.multipart is None
    response = await http.put(target.url, content=data, headers=target.headers)
    assert response.status_code == 200, response.text
    again = await http.put(target.url, content=data, headers=target.headers)
    assert again.status_code == 412  # If-None-Match: the blob is already stored
    assert await read_all(s3_store, digest) == data


async def test_presigned_put_refuses_other_bytes_of_the_same_length(
    s3_store: S3BlobStore, http: httpx.AsyncClient
) -> None:
    data, digest = blob(4000)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.url is not None
    forged = await http.put(target.url, content=bytes(4000), headers=target.headers)
    longer = await http.put(target.url, content=data + b"!", headers=target.headers)
    unsigned = await http.put(target.url, content=data)
    assert forged.status_code == 400 and "BadDigest" in forged.text
    assert longer.status_code == 403  # Content-Length is signed
    assert unsigned.status_code == 403  # the checksum and metadata headers are signed
    assert not await s3_store.exists(digest)


async def test_presigned_get_downloads_under_a_file_name(
    s3_store: S3BlobStore, http: httpx.AsyncClient
) -> None:
    data, digest = blob(5000)
    await s3_store.put_stream(digest, chunks(data))
    url = await s3_store.presign_download(digest, 60, filename='model "v2".bin')
    response = await http.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"model _v2_.bin\"; filename*=UTF-8''model%20%22v2%22.bin"
    )


async def test_expired_presigned_urls_are_refused(
    s3_store: S3BlobStore, http: httpx.AsyncClient
) -> None:
    data, digest = blob(100)
    other, other_digest = blob(100)
    await s3_store.put_stream(digest, chunks(data))
    get_url = await s3_store.presign_download(digest, expires_in=1)
    put = await s3_store.presign_upload(other_digest, len(other), expires_in=1)
    assert put.url is not None
    await asyncio.sleep(2)
    got = await http.get(get_url)
    put_response = await http.put(put.url, content=other, headers=put.headers)
    assert got.status_code == 403 and "expired" in got.text
    assert put_response.status_code == 403
    assert not await s3_store.exists(other_digest)


async def test_multipart_upload_through_presigned_part_urls(
    s3_store: S3BlobStore, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    data, digest = blob(12 * MiB + 1)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.url is None and target.multipart is not None
    plan = target.multipart
    assert (plan.part_size, len(plan.part_urls)) == (5 * MiB, 3)
    parts = []
    for number, url in enumerate(plan.part_urls, start=1):
        body = data[(number - 1) * plan.part_size : number * plan.part_size]
        response = await http.put(url, content=body)
        assert response.status_code == 200, response.text
        parts.append((number, response.headers["etag"]))
    await s3_store.complete_multipart(digest, plan.upload_id, parts[::-1])
    assert await s3_store.get_to_file(digest, tmp_path / "out") == len(data)
    assert (tmp_path / "out").read_bytes() == data


async def test_multipart_upload_of_the_wrong_bytes_is_deleted(
    s3_store: S3BlobStore, http: httpx.AsyncClient
) -> None:
    data, digest = blob(6 * MiB)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.multipart is not None
    plan = target.multipart
    forged = bytes(len(data))
    parts = []
    for number, url in enumerate(plan.part_urls, start=1):
        body = forged[(number - 1) * plan.part_size : number * plan.part_size]
        response = await http.put(url, content=body)
        parts.append((number, response.headers["etag"]))
    with pytest.raises(DigestMismatch):
        await s3_store.complete_multipart(digest, plan.upload_id, parts)
    assert not await s3_store.exists(digest)


async def test_multipart_completion_with_bad_parts_is_refused_and_abort_is_idempotent(
    s3_store: S3BlobStore,
) -> None:
    data, digest = blob(6 * MiB)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.multipart is not None
    upload_id = target.multipart.upload_id
    with pytest.raises(BlobStoreError):
        await s3_store.complete_multipart(digest, upload_id, [(1, '"0123456789abcdef"')])
    await s3_store.abort_multipart(digest, upload_id)
    await s3_store.abort_multipart(digest, upload_id)
    with pytest.raises(BlobStoreError):
        await s3_store.complete_multipart(digest, upload_id, [(1, '"0123456789abcdef"')])
    assert not await s3_store.exists(digest)


async def test_multipart_completion_of_an_already_stored_blob_keeps_the_stored_one(
    s3_store: S3BlobStore, http: httpx.AsyncClient
) -> None:
    data, digest = blob(6 * MiB)
    target = await s3_store.presign_upload(digest, len(data), expires_in=60)
    assert target.multipart is not None
    await s3_store.put_stream(digest, chunks(data))
    plan = target.multipart
    parts = []
    for number, url in enumerate(plan.part_urls, start=1):
        body = data[(number - 1) * plan.part_size : number * plan.part_size]
        response = await http.put(url, content=body)
        parts.append((number, response.headers["etag"]))
    await s3_store.complete_multipart(digest, plan.upload_id, parts)
    assert await read_all(s3_store, digest) == data


async def test_presigned_urls_name_the_public_endpoint_clients_reach(
    s3_store: S3BlobStore, s3_server: S3Endpoint, http: httpx.AsyncClient
) -> None:
    """Behind Docker or a proxy the server reaches S3 at one address and clients at another."""
    public = s3_server.endpoint_url.replace("127.0.0.1", "localhost")
    store = S3BlobStore(
        s3_store.bucket,
        s3_store.prefix,
        endpoint_url=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        public_endpoint_url=public,
    )
    data, digest = blob(3000)
    target = await store.presign_upload(digest, len(data), expires_in=60)
    assert target.url is not None and target.url.startswith(public)
    assert (await http.put(target.url, content=data, headers=target.headers)).status_code == 200
    url = await store.presign_download(digest, 60)
    assert url.startswith(public)
    assert (await http.get(url)).content == data
    await store.close()
