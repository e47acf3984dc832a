"""Streaming an upload of unknown length into S3 without spooling it to disk.

At most one threshold's (or one part's) worth of bytes is held in memory. Nothing becomes visible
under the blob's key until the whole stream has hashed to the expected digest: a short stream is
sent as one PutObject only after it ends, a long one as a multipart upload that is completed on a
match and aborted on a mismatch, an error or cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from storage.base import DigestMismatch
from storage.keys import StreamDigest

if TYPE_CHECKING:
    from storage.s3 import S3BlobStore
    from storage.s3_objects import S3Objects


class _Parts:
    """The multipart upload behind one stream, opened lazily once the stream outgrows a PUT."""

    def __init__(self, objects: S3Objects, key: str, digest: str) -> None:
        self.objects = objects
        self.key = key
        self.digest = digest
        self.upload_id: str | None = None
        self.etags: list[tuple[int, str]] = []

    async def send(self, body: bytes) -> None:
        if self.upload_id is None:
            self.upload_id = await asyncio.to_thread(
                self.objects.create_upload, self.key, self.digest
            )
        number = len(self.etags) + 1
        etag = await asyncio.to_thread(
            self.objects.upload_part, self.key, self.upload_id, number, body
        )
        self.etags.append((number, etag))

    async def complete(self) -> None:
        if self.upload_id is not None:
            objects = self.objects
            await asyncio.to_thread(objects.complete_upload, self.key, self.upload_id, self.etags)
            self.upload_id = None

    async def abort_quietly(self) -> None:
        """Discard uploaded parts without masking the error that got us here.

        If this fails too, the parts linger until the bucket's AbortIncompleteMultipartUpload
        lifecycle rule (recommended for production buckets) reclaims them.
        """
        if self.upload_id is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.objects.abort_upload, self.key, self.upload_id)
        self.upload_id = None


async def stream_to_s3(
    store: S3BlobStore, key: str, digest: str, chunks: AsyncIterator[bytes]
) -> int:
    """Upload `chunks` to `key` if they hash to `digest`; return their size.

    Raises `DigestMismatch` after discarding everything sent. If the key already exists the
    stream is still read and verified, and the stored object is left untouched.
    """
    running = StreamDigest()
    buffer = bytearray()
    parts = _Parts(store.objects, key, digest)
    part_size = store.part_size
    try:
        async for chunk in chunks:
            running.update(chunk)
            buffer += chunk
            if not parts.etags and len(buffer) <= store.multipart_threshold:
                continue
            while len(buffer) >= part_size:
                await parts.send(bytes(buffer[:part_size]))
                del buffer[:part_size]
        actual = running.hexdigest()
        if actual != digest:
            raise DigestMismatch(digest, actual)
        if not parts.etags:
            await asyncio.to_thread(store.objects.put, key, bytes(buffer), digest)
        else:
            if buffer:
                await parts.send(bytes(buffer))
            await parts.complete()
    except BaseException:
        await parts.abort_quietly()
        raise
    return running.size
