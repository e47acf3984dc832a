"""Content addressing: a blob's name is the sha256 of its bytes.

Keys fan out over two levels of two hex characters (`blobs/sha256/ab/cd/<digest>`) so that no
directory of the local store, and no listing prefix of S3, holds more than a few thousand entries
even with many millions of blobs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from pathlib import Path

from storage.base import InvalidDigest

CHUNK_SIZE = 8 * 1024 * 1024
"""Read size for hashing and copying: large enough that Python overhead is negligible."""

READ_CHUNK_SIZE = 1024 * 1024
"""Chunk size handed to readers: small enough that many concurrent downloads stay cheap."""

_DIGEST = re.compile(r"[0-9a-f]{64}")
_STAGING = re.compile(r"[0-9a-f]{16,64}")


def validate_digest(digest: str) -> str:
    """Return `digest` unchanged if it is 64 lowercase hex characters; raise `InvalidDigest`.

    Uppercase is refused rather than normalised so that one blob never has two spellings.
    """
    if not isinstance(digest, str) or _DIGEST.fullmatch(digest) is None:
        raise InvalidDigest(f"not a lowercase sha256 hex digest: {digest!r}")
    return digest


def blob_key(digest: str) -> str:
    """The store-relative key of a blob: `blobs/sha256/ab/cd/<digest>`."""
    validate_digest(digest)
    return f"blobs/sha256/{digest[0:2]}/{digest[2:4]}/{digest}"


def staged_key(digest: str, staging: str) -> str:
    """The store-relative key of blob `digest` uploaded into staging area `staging` (lowercase
    hex, 16 to 64 characters, e.g. a draft id): `uploads/<staging>/<digest>`.

    One directory (or listing prefix) per area, so an abandoned area is removed in one sweep.
    """
    validate_digest(digest)
    if not isinstance(staging, str) or _STAGING.fullmatch(staging) is None:
        raise InvalidDigest(f"not a staging area name: {staging!r}")
    return f"uploads/{staging}/{digest}"


def digest_b64(digest: str) -> str:
    """The digest as base64 of the raw bytes: the form S3's `x-amz-checksum-sha256` expects."""
    return base64.b64encode(bytes.fromhex(validate_digest(digest))).decode("ascii")


class StreamDigest:
    """Running sha256 and byte count of a stream, fed chunk by chunk as it passes through."""

    def __init__(self) -> None:
        self._hasher = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._hasher.update(chunk)
        self.size += len(chunk)

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()


def _sha256_file_sync(path: Path) -> tuple[str, int]:
    running = StreamDigest()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            running.update(chunk)
    return running.hexdigest(), running.size


async def sha256_file(path: Path) -> tuple[str, int]:
    """Hash a file in a worker thread; return `(hex digest, size in bytes)`.

    hashlib releases the GIL on large updates, so hashing does not stall the event loop.
    """
    return await asyncio.to_thread(_sha256_file_sync, path)


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of an in-memory buffer (tests and small payloads)."""
    return hashlib.sha256(data).hexdigest()
