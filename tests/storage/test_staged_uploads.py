"""Uploads into a staging area: invisible as the blob until claimed, claimed once, never over a
stored blob, and dropped on request. Both backends, real S3 (versitygw) and local disk."""

from __future__ import annotations

import uuid

import httpx
import pytest

from storage.base import BlobStore, DigestMismatch, InvalidDigest
from storage.multipart import MiB
from storage.s3 import S3BlobStore
from tests.storage.helpers import blob, chunks, read_all


def _area() -> str:
    return uuid.uuid4().hex


async def test_a_staged_upload_is_the_blob_only_once_claimed(store: BlobStore) -> None:
    data, digest = blob(2000)
    area = _area()
    assert await store.claim_staged(digest, area) is None  # nothing uploaded there
    assert await store.put_stream(digest, chunks(data), staging=area) == len(data)
    assert not await store.exists(digest)
    assert await store.claim_staged(digest, area) == len(data)
    assert await read_all(store, digest) == data
    assert await store.claim_staged(digest, area) is None  # claimed once


async def test_claiming_over_a_stored_blob_keeps_the_stored_copy(store: BlobStore) -> None:
    data, digest = blob(1500)
    await store.put_stream(digest, chunks(data))
    area = _area()
    await store.put_stream(digest, chunks(data), staging=area)
    assert await store.claim_staged(digest, area) == len(data)
    assert await read_all(store, digest) == data
    assert await store.claim_staged(digest, area) is None


async def test_claiming_many_answers_each_in_order_and_empties_the_area(store: BlobStore) -> None:
    """Staged, never staged, already stored and empty blobs in one batch claim."""
    area = _area()
    staged = [blob(100 + i) for i in range(30)]
    stored, stored_digest = blob(77)
    empty, empty_digest = blob(0)
    absent_digest = blob(55)[1]
    await store.put_stream(stored_digest, chunks(stored))
    for data, digest in [*staged, (stored, stored_digest), (empty, empty_digest)]:
        await store.put_stream(digest, chunks(data), staging=area)
    digests = [absent_digest, *(d for _, d in staged), stored_digest, empty_digest]
    sizes = await store.claim_staged_many(digests, area)
    assert sizes == [None, *(len(data) for data, _ in staged), 77, 0]
    for data, digest in [*staged, (stored, stored_digest), (empty, empty_digest)]:
        assert await read_all(store, digest) == data
    assert await store.claim_staged_many(digests, area) == [None] * len(digests)
    assert not await store.exists(absent_digest)


async def test_staged_bytes_are_verified_and_dropped_on_request(store: BlobStore) -> None:
    data, digest = blob(1000)
    area = _area()
    with pytest.raises(DigestMismatch):
        await store.put_stream(digest, chunks(data + b"x"), staging=area)
    assert await store.claim_staged(digest, area) is None
    await store.put_stream(digest, chunks(data), staging=area)
    await store.discard_staged(digest, area)
    await store.discard_staged(digest, area)  # a no-op the second time
    assert await store.claim_staged(digest, area) is None
    assert not await store.exists(digest)


async def test_staging_area_names_are_hex_only(store: BlobStore) -> None:
    data, digest = blob(10)
    for bad in ("../x", "ABCDEF0123456789", "short", "g" * 32):
        with pytest.raises(InvalidDigest):
            await store.presign_upload(digest, len(data), 60, staging=bad)


async def test_a_presigned_staged_upload_lands_in_the_area_not_under_the_blob(
    s3_store: S3BlobStore,
) -> None:
    area = _area()
    async with httpx.AsyncClient() as http:
        small, small_digest = blob(4000)
        target = await s3_store.presign_upload(small_digest, len(small), 60, staging=area)
        assert target.url is not None and f"/uploads/{area}/{small_digest}" in target.url
        response = await http.put(target.url, content=small, headers=target.headers)
        assert response.status_code == 200, response.text
        assert not await s3_store.exists(small_digest)
        assert await s3_store.claim_staged(small_digest, area) == len(small)

        big, big_digest = blob(6 * MiB + 3)  # over the test stores' multipart threshold
        target = await s3_store.presign_upload(big_digest, len(big), 60, staging=area)
        assert target.multipart is not None
        plan = target.multipart
        parts = []
        for number, url in enumerate(plan.part_urls, start=1):
            body = big[(number - 1) * plan.part_size : number * plan.part_size]
            response = await http.put(url, content=body)
            parts.append((number, response.headers["etag"]))
        await s3_store.complete_multipart(big_digest, plan.upload_id, parts, staging=area)
        assert not await s3_store.exists(big_digest)
        assert await s3_store.claim_staged(big_digest, area) == len(big)
        assert await read_all(s3_store, big_digest) == big


async def test_concurrent_claims_of_one_area_never_fail_and_leave_every_blob(
    store: BlobStore,
) -> None:
    """A client retrying a confirm or commit claims the same staged objects twice at once: a
    claim whose staged object a concurrent claim moved between its look and its move counted
    it claimed (the walk-through's 4 concurrent confirms gave 3 INTERNAL errors, and the
    claims that had moved the bytes were never recorded)."""
    import asyncio

    for _ in range(3):
        area = _area()
        staged = [blob(200 + i) for i in range(40)]
        for data, digest in staged:
            await store.put_stream(digest, chunks(data), staging=area)
        digests = [digest for _, digest in staged]
        answers = await asyncio.gather(*(store.claim_staged_many(digests, area) for _ in range(6)))
        for i, (data, digest) in enumerate(staged):
            assert await read_all(store, digest) == data
            assert any(answer[i] == len(data) for answer in answers)  # someone claimed it
            assert all(answer[i] in (None, len(data)) for answer in answers)
