"""The `BlobStore` contract every backend keeps, its errors, and the upload plan it hands out.

Blobs are immutable and named by the sha256 of their bytes, so every write is idempotent: writing
a blob that is already there is a no-op. Bytes are verified on the way in (nothing is kept under
the wrong name) and again by `get_to_file` on the way out (a corrupted copy never lands at the
destination); `open_read` streams without checking, so its consumer hashes if it must be sure.

Uploads may land in a *staging area* (`staging=`, e.g. one per draft) instead of under the blob's
own key: `claim_staged` then makes the staged copy the blob, or drops it when the blob is already
stored. Whoever holds a staged upload URL therefore learns nothing about whether the store has
the blob, and whoever issued it can tell that the bytes really were uploaded there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable


class BlobStoreError(Exception):
    """Base of every error the storage package raises on purpose."""


class BlobNotFound(BlobStoreError):
    """No blob is stored under this digest."""

    def __init__(self, digest: str) -> None:
        super().__init__(f"blob not found: {digest}")
        self.digest = digest


class DigestMismatch(BlobStoreError):
    """Bytes did not hash to the digest they were offered or stored under; nothing was kept."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"sha256 mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class InvalidDigest(BlobStoreError, ValueError):
    """A digest was not 64 lowercase hex characters."""


class InvalidSignature(BlobStoreError):
    """A signed URL's signature does not match its blob, verb and expiry."""


class SignatureExpired(InvalidSignature):
    """A signed URL was genuine but its expiry has passed.

    A subclass of `InvalidSignature` so that one `except` refuses both; catch this one first to
    tell the client to ask for a fresh URL.
    """


@dataclass(frozen=True)
class MultipartTarget:
    """A multipart upload already opened on the server: PUT part N's bytes to `part_urls[N-1]`.

    Every part is exactly `part_size` bytes except the last, which holds the remainder. Each
    response's `ETag` header goes back to `BlobStore.complete_multipart` as `(N, etag)`.
    """

    upload_id: str
    part_size: int
    part_urls: list[str]


@dataclass(frozen=True)
class UploadTarget:
    """How a client uploads one blob straight to storage, without streaming it through the API.

    Either `url` is set (one request of `method` with exactly `headers`, which are signed and
    must be sent unchanged) or `multipart` is set and `url` is None.
    """

    method: str
    url: str | None
    headers: dict[str, str] = field(default_factory=dict)
    multipart: MultipartTarget | None = None


@runtime_checkable
class BlobStore(Protocol):
    """Immutable, content-addressed blob storage.

    Every method taking a digest raises `InvalidDigest` for one that is not lowercase sha256 hex.
    Every write verifies the sha256 of the bytes and raises `DigestMismatch` rather than keep
    bytes under the wrong name.
    """

    kind: str
    """"s3" or "local": lets the API pick how uploads reach the store."""

    async def put_file(self, digest: str, path: Path) -> None:
        """Store the file at `path` as blob `digest`; a no-op if that blob already exists."""
        ...

    async def put_stream(
        self, digest: str, chunks: AsyncIterator[bytes], *, staging: str | None = None
    ) -> int:
        """Store streamed bytes as blob `digest` (in `staging` if given) and return their size.

        On a mismatch nothing is kept and `DigestMismatch` is raised. If the blob already exists
        the stream is still consumed and verified, and the stored copy is left as it was.
        """
        ...

    async def get_to_file(self, digest: str, dest: Path) -> int:
        """Download the blob to `dest` and return its size; `dest` appears only once verified."""
        ...

    def open_read(self, digest: str) -> AsyncIterator[bytes]:
        """Yield the blob's bytes in chunks; `BlobNotFound` on the first iteration if missing."""
        ...

    async def exists(self, digest: str) -> bool:
        """Whether the blob is stored."""
        ...

    async def size(self, digest: str) -> int | None:
        """The blob's size in bytes, or None if it is not stored."""
        ...

    async def delete(self, digest: str) -> None:
        """Remove the blob; a no-op if it is not stored."""
        ...

    async def presign_upload(
        self, digest: str, size: int, expires_in: int, *, staging: str | None = None
    ) -> UploadTarget:
        """Plan a direct upload of `size` bytes (into `staging` if given), valid for
        `expires_in` seconds."""
        ...

    async def complete_multipart(
        self,
        digest: str,
        upload_id: str,
        parts: list[tuple[int, str]],
        *,
        staging: str | None = None,
    ) -> None:
        """Finish a multipart upload from `(part number, etag)` pairs and verify the result;
        `staging` as given to `presign_upload`."""
        ...

    async def abort_multipart(
        self, digest: str, upload_id: str, *, staging: str | None = None
    ) -> None:
        """Discard a multipart upload's parts; a no-op if it is already gone."""
        ...

    async def claim_staged(self, digest: str, staging: str) -> int | None:
        """Make the copy uploaded into `staging` blob `digest` and return its size; None when
        nothing was uploaded there. The staged copy is gone afterwards (kept as the blob, or
        dropped when the blob was already stored: both hold the same verified bytes)."""
        ...

    async def claim_staged_many(self, digests: list[str], staging: str) -> list[int | None]:
        """`claim_staged` for each digest (in that order), in fewer round trips where the
        backend can batch."""
        ...

    async def discard_staged(self, digest: str, staging: str) -> None:
        """Drop an unclaimed upload of `digest` from `staging`; a no-op if there is none."""
        ...

    async def presign_download(
        self, digest: str, expires_in: int, filename: str | None = None
    ) -> str:
        """A URL that GETs the blob for `expires_in` seconds, saved as `filename` if given."""
        ...

    async def ping(self) -> None:
        """Return if the store can be reached; raise `BlobStoreError` otherwise."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...
