"""The `BlobStore` contract, checked the same way on S3 (versitygw over HTTP) and on local disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.base import BlobNotFound, BlobStore, DigestMismatch, InvalidDigest
from storage.local import LocalBlobStore
from storage.multipart import MiB
from storage.s3 import S3BlobStore
from tests.storage.helpers import blob, chunks, names_in, read_all, write_blob

LARGE = 12 * MiB + 123  # above the 5 MiB test threshold: three parts, the last one short


async def test_large_file_round_trips_with_its_digest_verified(
    store: BlobStore, tmp_path: Path
) -> None:
    data, digest = write_blob(tmp_path / "in", LARGE)
    await store.put_file(digest, tmp_path / "in")
    assert await store.exists(digest)
    assert await store.size(digest) == LARGE
    assert await store.get_to_file(digest, tmp_path / "out") == LARGE
    assert (tmp_path / "out").read_bytes() == data
    assert await read_all(store, digest) == data
    assert names_in(tmp_path) - {"blobs"} == {"in", "out"}  # no temporary files left


async def test_small_file_round_trips(store: BlobStore, tmp_path: Path) -> None:
    data, digest = write_blob(tmp_path / "in", 1000)
    await store.put_file(digest, tmp_path / "in")
    assert await read_all(store, digest) == data
    assert await store.size(digest) == 1000


async def test_empty_blob_round_trips(store: BlobStore, tmp_path: Path) -> None:
    data, digest = blob(0)
    assert await store.put_stream(digest, chunks(data)) == 0
    assert await store.size(digest) == 0
    assert await store.get_to_file(digest, tmp_path / "out") == 0
    assert (tmp_path / "out").read_bytes() == b""


async def test_put_file_twice_is_a_no_op(store: BlobStore, tmp_path: Path) -> None:
    data, digest = write_blob(tmp_path / "in", 2000)
    await store.put_file(digest, tmp_path / "in")
    await store.put_file(digest, tmp_path / "in")
    assert await read_all(store, digest) == data


async def test_put_file_with_the_wrong_digest_stores_nothing(
    store: BlobStore, tmp_path: Path
) -> None:
    _, digest = blob(10)
    write_blob(tmp_path / "in", 2000)
    with pytest.raises(DigestMismatch) as raised:
        await store.put_file(digest, tmp_path / "in")
    assert raised.value.expected == digest
    assert not await store.exists(digest)


@pytest.mark.parametrize("size", [3000, LARGE], ids=["single-put", "multipart"])
async def test_put_stream_round_trips(store: BlobStore, tmp_path: Path, size: int) -> None:
    data, digest = blob(size)
    assert await store.put_stream(digest, chunks(data, 777_777)) == size
    assert await store.size(digest) == size
    assert await store.get_to_file(digest, tmp_path / "out") == size
    assert (tmp_path / "out").read_bytes() == data


@pytest.mark.parametrize("size", [3000, LARGE], ids=["single-put", "multipart"])
async def test_put_stream_with_the_wrong_digest_leaves_nothing(store: BlobStore, size: int) -> None:
    data, _ = blob(size)
    _, wrong = blob(size)
    with pytest.raises(DigestMismatch):
        await store.put_stream(wrong, chunks(data))
    assert not await store.exists(wrong)
    assert await store.size(wrong) is None


async def test_put_stream_of_a_stored_blob_keeps_it(store: BlobStore) -> None:
    data, digest = blob(4000)
    await store.put_stream(digest, chunks(data))
    assert await store.put_stream(digest, chunks(data)) == 4000
    assert await read_all(store, digest) == data


async def test_concurrent_puts_of_one_blob_all_succeed(store: BlobStore) -> None:
    data, digest = blob(6 * MiB)
    sizes = await asyncio.gather(*(store.put_stream(digest, chunks(data)) for _ in range(4)))
    assert sizes == [6 * MiB] * 4
    assert await read_all(store, digest) == data


async def test_get_to_file_refuses_a_blob_corrupted_in_storage(
    store: BlobStore, tmp_path: Path
) -> None:
    data, digest = blob(6 * MiB)
    await store.put_stream(digest, chunks(data))
    corrupt = bytes(len(data))
    if isinstance(store, S3BlobStore):
        store.client.put_object(Bucket=store.bucket, Key=store.key_for(digest), Body=corrupt)
    else:
        assert isinstance(store, LocalBlobStore)
        store.path_for(digest).write_bytes(corrupt)
    with pytest.raises(DigestMismatch):
        await store.get_to_file(digest, tmp_path / "out")
    assert names_in(tmp_path) - {"blobs"} == set()


async def test_a_missing_blob_is_reported_as_missing(store: BlobStore, tmp_path: Path) -> None:
    _, digest = blob(10)
    assert not await store.exists(digest)
    assert await store.size(digest) is None
    with pytest.raises(BlobNotFound):
        await read_all(store, digest)
    with pytest.raises(BlobNotFound):
        await store.get_to_file(digest, tmp_path / "out")
    assert not any(name.startswith(".out") or name == "out" for name in names_in(tmp_path))


async def test_delete_is_idempotent(store: BlobStore) -> None:
    data, digest = blob(100)
    await store.put_stream(digest, chunks(data))
    await store.delete(digest)
    assert not await store.exists(digest)
    await store.delete(digest)
    assert not await store.exists(digest)


async def test_every_method_refuses_a_malformed_digest(store: BlobStore, tmp_path: Path) -> None:
    bad = "../../etc/passwd"
    with pytest.raises(InvalidDigest):
        await store.exists(bad)
    with pytest.raises(InvalidDigest):
        await store.put_stream(bad, chunks(b"x"))
    with pytest.raises(InvalidDigest):
        await store.get_to_file(bad, tmp_path / "out")
    with pytest.raises(InvalidDigest):
        await store.presign_download(bad, 60)


async def test_ping_succeeds_on_a_reachable_store(store: BlobStore) -> None:
    await store.ping()
