"""Blobs as files under one directory, for development and single-machine installs.

There is no storage server to presign URLs, so the API serves `/blobs/<digest>` itself: this store
hands out HMAC-signed URLs pointing there, and the API checks them with `verify_url` before it calls
`receive_upload` or `open_read`. An upload URL is signed for one size: `receive_upload` reads at
most one byte past it, and serves one upload per URL at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlencode

import aiofiles.os

from storage.base import (
    BlobNotFound,
    BlobStoreError,
    InvalidSignature,
    UploadTarget,
)
from storage.files import (
    file_chunks,
    publish_if_absent,
    remove_quietly,
    temp_path_beside,
    write_verified,
)
from storage.keys import CHUNK_SIZE, READ_CHUNK_SIZE, blob_key, staged_key, validate_digest
from storage.signing import UrlSigner


class UploadRefused(BlobStoreError):
    """An upload to a signed URL turned away; nothing it sent was kept."""


class UploadTooLarge(UploadRefused):
    """More bytes arrived than the URL was signed for; reading stopped at the first extra one."""


class UploadSizeMismatch(UploadRefused):
    """The body ended before the size the URL was signed for."""


class UploadInProgress(UploadRefused):
    """Another upload to the same signed URL is still running."""


class LocalBlobStore:
    """A `BlobStore` on a local directory; writes are atomic, so readers see whole blobs only."""

    kind = "local"

    def __init__(self, root: Path, signer: UrlSigner, public_base_url: str) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._signer = signer
        self._base_url = public_base_url.rstrip("/")
        self._uploading: set[str] = set()
        self._uploading_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalBlobStore(root={str(self.root)!r})"

    def path_for(self, digest: str, staging: str | None = None) -> Path:
        """Where blob `digest` lives, or its upload into `staging` (whether or not stored yet)."""
        return self.root / (blob_key(digest) if staging is None else staged_key(digest, staging))

    async def put_file(self, digest: str, path: Path) -> None:
        """Copy the file in as blob `digest`, hashing while copying; a no-op if already stored.

        When the blob is already stored the file is not read at all.
        """
        if await self.exists(digest):
            return
        await self.put_stream(digest, file_chunks(path, CHUNK_SIZE))

    async def put_stream(
        self, digest: str, chunks: AsyncIterator[bytes], *, staging: str | None = None
    ) -> int:
        """Write the stream to a temporary file, verify it, then link it into place if absent."""
        final = self.path_for(digest, staging)
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        tmp = temp_path_beside(final)
        size = await write_verified(chunks, tmp, digest)
        await asyncio.to_thread(publish_if_absent, tmp, final)
        return size

    async def receive_upload(
        self,
        digest: str,
        size: int,
        chunks: AsyncIterator[bytes],
        *,
        claim: str,
        staging: str | None = None,
    ) -> int:
        """Store the body of a PUT to a signed URL: exactly `size` bytes hashing to `digest`.

        Reads at most `size + 1` bytes: `UploadTooLarge` past `size`, `UploadSizeMismatch` short
        of it, `DigestMismatch` for other bytes, and nothing is kept after any of them. `claim`
        (the URL's signature) serves one upload at a time in this process: a second one while
        the first runs is `UploadInProgress` before a byte of it is read.
        """
        with self._uploading_lock:
            if claim in self._uploading:
                raise UploadInProgress("another upload to this URL is still running")
            self._uploading.add(claim)
        try:
            return await self.put_stream(digest, _exactly(chunks, size), staging=staging)
        finally:
            with self._uploading_lock:
                self._uploading.discard(claim)

    async def get_to_file(self, digest: str, dest: Path) -> int:
        """Copy the blob to `dest` through a verified temporary file beside it."""
        tmp = temp_path_beside(dest)
        size = await write_verified(self.open_read(digest, chunk_size=CHUNK_SIZE), tmp, digest)
        try:
            await asyncio.to_thread(os.replace, tmp, dest)
        except BaseException:
            remove_quietly(tmp)
            raise
        return size

    async def open_read(
        self, digest: str, chunk_size: int = READ_CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        """Yield the blob in chunks of at most `chunk_size` bytes."""
        try:
            async for chunk in file_chunks(self.path_for(digest), chunk_size):
                yield chunk
        except FileNotFoundError:
            raise BlobNotFound(digest) from None

    async def exists(self, digest: str) -> bool:
        return await self.size(digest) is not None

    async def size(self, digest: str) -> int | None:
        try:
            stat = await aiofiles.os.stat(self.path_for(digest))
        except FileNotFoundError:
            return None
        return stat.st_size

    async def delete(self, digest: str) -> None:
        await asyncio.to_thread(remove_quietly, self.path_for(digest))

    async def presign_upload(
        self, digest: str, size: int, expires_in: int, *, staging: str | None = None
    ) -> UploadTarget:
        """One signed PUT to the API, whatever the size: the API streams it straight to disk."""
        if size < 0:
            raise ValueError("size must not be negative")
        return UploadTarget(
            method="PUT",
            url=self._signed_url(digest, "PUT", expires_in, staging=staging, size=size),
        )

    async def complete_multipart(
        self,
        digest: str,
        upload_id: str,
        parts: list[tuple[int, str]],
        *,
        staging: str | None = None,
    ) -> None:
        """Always refused: `presign_upload` never plans a multipart upload for this store."""
        raise BlobStoreError("the local store does not use multipart uploads")

    async def abort_multipart(
        self, digest: str, upload_id: str, *, staging: str | None = None
    ) -> None:
        """A no-op: there is never a multipart upload to discard."""
        validate_digest(digest)

    async def claim_staged(self, digest: str, staging: str) -> int | None:
        """Link the staged file into place unless the blob is stored; the staged name goes."""
        staged = self.path_for(digest, staging)
        final = self.path_for(digest)
        try:
            stat = await aiofiles.os.stat(staged)
        except FileNotFoundError:
            return None
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        try:
            await asyncio.to_thread(publish_if_absent, staged, final)
        except FileNotFoundError:
            # a concurrent claim of the same draft (a retried confirm or commit) published it
            # between the stat and the link: claimed all the same, if it is in place
            if not await aiofiles.os.path.exists(final):
                raise
        await asyncio.to_thread(_remove_empty_dir, staged.parent)
        return stat.st_size

    async def claim_staged_many(self, digests: list[str], staging: str) -> list[int | None]:
        limit = asyncio.Semaphore(16)

        async def claim(digest: str) -> int | None:
            async with limit:
                return await self.claim_staged(digest, staging)

        return list(await asyncio.gather(*(claim(digest) for digest in digests)))

    async def discard_staged(self, digest: str, staging: str) -> None:
        staged = self.path_for(digest, staging)
        await asyncio.to_thread(remove_quietly, staged)
        await asyncio.to_thread(_remove_empty_dir, staged.parent)

    async def presign_download(
        self, digest: str, expires_in: int, filename: str | None = None
    ) -> str:
        """A signed GET to the API. `filename` rides along unsigned: it only names the download."""
        url = self._signed_url(digest, "GET", expires_in)
        if filename:
            url += "&" + urlencode({"filename": filename}, quote_via=quote)
        return url

    def verify_url(
        self,
        digest: str,
        verb: str,
        expires: int | str,
        sig: str,
        size: int | str | None = None,
        *,
        staging: str | None = None,
    ) -> int | None:
        """Check a URL this store signed; `InvalidSignature` or `SignatureExpired` if refused.
        Returns the size an upload URL was signed for (None for a download URL).

        `expires` and `size` may be the raw query-string values; ones that are not integers are
        refused, as is an upload URL without a size and a `staging` area that is not one this
        store could have named.
        """
        try:
            expires_at = int(expires)
        except ValueError:
            raise InvalidSignature(f"expires is not a unix time: {expires!r}") from None
        signed_size = None
        if verb.upper() == "PUT" or size is not None:
            try:
                signed_size = int(size) if size is not None else -1
            except ValueError:
                signed_size = -1
            if signed_size < 0:
                raise InvalidSignature(f"an upload URL carries its size: {size!r}")
        if staging is not None:
            staged_key(digest, staging)  # InvalidDigest for a malformed area name
        self._signer.verify(digest, verb, expires_at, sig, scope=staging or "", size=signed_size)
        return signed_size

    async def ping(self) -> None:
        """Raise `BlobStoreError` unless the root is a directory this process can write to."""
        ok = await asyncio.to_thread(
            lambda: self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)
        )
        if not ok:
            raise BlobStoreError(f"blob root {self.root} is missing or not writable")

    async def close(self) -> None:
        """Nothing to release: files are opened per call."""

    def _signed_url(
        self,
        digest: str,
        verb: str,
        expires_in: int,
        *,
        staging: str | None = None,
        size: int | None = None,
    ) -> str:
        if expires_in <= 0:
            raise ValueError("expires_in must be positive")
        expires_at = int(time.time()) + expires_in
        area = ""
        if staging is not None:
            staged_key(digest, staging)
            area = f"&staging={staging}"
        if size is not None:
            area += f"&size={int(size)}"
        sig = self._signer.sign(digest, verb, expires_at, size, scope=staging or "")
        return f"{self._base_url}/blobs/{digest}?verb={verb}{area}&expires={expires_at}&sig={sig}"


async def _exactly(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    """`chunks`, refused as soon as they pass `size` bytes or when they end short of it."""
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > size:
            raise UploadTooLarge(f"more than the {size} bytes this URL was signed for")
        yield chunk
    if received != size:
        raise UploadSizeMismatch(f"{received} bytes sent; this URL was signed for {size}")


def _remove_empty_dir(path: Path) -> None:
    """Remove a staging area's directory once its last upload is claimed or dropped."""
    with contextlib.suppress(OSError):
        path.rmdir()
