"""Random blobs and streams for the storage tests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from storage.base import BlobStore
from storage.multipart import MiB


def blob(size: int) -> tuple[bytes, str]:
    """Random bytes (never deduplicated against an earlier run) and their sha256."""
    data = os.urandom(size)
    return data, hashlib.sha256(data).hexdigest()


def write_blob(path: Path, size: int) -> tuple[bytes, str]:
    """`blob(size)`, also written to `path`."""
    data, digest = blob(size)
    path.write_bytes(data)
    return data, digest


async def chunks(data: bytes, size: int = MiB) -> AsyncIterator[bytes]:
    """`data` as an async stream of `size`-byte chunks, like an HTTP request body."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: BlobStore, digest: str) -> bytes:
    """The whole blob through `open_read`."""
    return b"".join([chunk async for chunk in store.open_read(digest)])


def names_in(directory: Path) -> set[str]:
    """The entry names of `directory`, to check no temporary file was left behind."""
    return {path.name for path in directory.iterdir()}
