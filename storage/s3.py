"""Blobs in an S3 bucket (AWS S3 or a compatible server such as versitygw).

boto3 is synchronous, so every call runs in a worker thread of the store's own pool, as wide as
its connection pool: the event loop's default pool (cores + 4 threads) would hold dozens of
concurrent S3 round trips to a handful at a time. Writes are create-if-absent with
`If-None-Match: *` where the server supports it, so concurrent uploads of one blob cannot race,
and every path that writes bytes has them checked against the sha256 before they become visible,
except completing a presigned multipart upload, which is checked right after (see there).
Claiming a small staged upload copies it over the blob's key even when the blob is stored (the
same verified bytes; asking first would cost as much as the copy).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import (
    BlobNotFound,
    BlobStoreError,
    DigestMismatch,
    MultipartTarget,
    UploadTarget,
)
from storage.disposition import content_disposition
from storage.files import remove_quietly, temp_path_beside
from storage.keys import READ_CHUNK_SIZE, blob_key, digest_b64, sha256_file, staged_key
from storage.multipart import (
    DEFAULT_MULTIPART_THRESHOLD,
    DEFAULT_PART_SIZE,
    check_part_size,
    plan_parts,
)
from storage.s3_client import is_missing, make_client, parse_s3_url
from storage.s3_objects import S3Objects
from storage.s3_stream import stream_to_s3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MAX_PRESIGN_SECONDS = 7 * 24 * 3600
"""SigV4 presigned URLs cannot outlive a week."""

T = TypeVar("T")

DELETE_BATCH = 1000
"""The most keys one DeleteObjects request may name."""

MAX_COPY_OBJECT = 5 * 1024**3
"""The largest object one CopyObject request may copy; larger ones are copied in parts."""


class S3BlobStore:
    """A `BlobStore` on `s3://bucket/prefix`; each blob is one object, tagged with its sha256."""

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        part_size: int = DEFAULT_PART_SIZE,
        max_concurrency: int = 10,
        public_endpoint_url: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.multipart_threshold = multipart_threshold
        self.part_size = check_part_size(part_size)
        connection: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region": region,
            "access_key": access_key,
            "secret_key": secret_key,
        }
        width = max(32, max_concurrency)
        self.client: S3Client = make_client(**connection, max_pool_connections=width)
        self._threads = ThreadPoolExecutor(max_workers=width, thread_name_prefix="s3")
        # Readiness probes want a quick answer: one attempt, short timeouts, no backoff.
        self._probe: S3Client = make_client(
            **connection, max_pool_connections=1, max_attempts=1, connect_timeout=2, read_timeout=5
        )
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=part_size,
            max_concurrency=max_concurrency,
        )
        presign_client = (
            make_client(
                endpoint_url=public_endpoint_url,
                region=region,
                access_key=access_key,
                secret_key=secret_key,
            )
            if public_endpoint_url and public_endpoint_url != endpoint_url
            else None
        )
        self.objects = S3Objects(self.client, bucket, presign_client)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        **options: Any,
    ) -> S3BlobStore:
        """Open `s3://bucket/prefix`; `options` are the remaining constructor arguments."""
        bucket, prefix = parse_s3_url(url)
        return cls(
            bucket,
            prefix,
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
            **options,
        )

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def key_for(self, digest: str, staging: str | None = None) -> str:
        """The object key of blob `digest`, or of its upload into staging area `staging`."""
        key = blob_key(digest) if staging is None else staged_key(digest, staging)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put_file(self, digest: str, path: Path) -> None:
        """Upload the file as blob `digest` after hashing it; a no-op if already stored.

        Up to the multipart threshold the upload is one create-if-absent PutObject carrying the
        sha256, which S3 checks against the bytes it receives. Above it, boto3's parallel
        multipart transfer runs; it cannot be made conditional, which is harmless since any
        concurrent writer is writing the same verified bytes. The file must not change meanwhile.
        """
        key = self.key_for(digest)
        if await self.exists(digest):
            return
        actual, size = await sha256_file(path)
        if actual != digest:
            raise DigestMismatch(digest, actual)
        if size <= self.multipart_threshold:
            await self._call(self._put_small_file, key, path, digest)
            return
        await self._call(
            self.client.upload_file,
            str(path),
            self.bucket,
            key,
            ExtraArgs={"Metadata": {"sha256": digest}},
            Config=self._transfer,
        )

    async def put_stream(
        self, digest: str, chunks: AsyncIterator[bytes], *, staging: str | None = None
    ) -> int:
        """Upload a stream, buffering at most one part; verified before anything is published.

        Small streams become one PutObject once fully read and hashed; larger ones a multipart
        upload that is completed only if the hash matches and aborted otherwise.
        """
        return await stream_to_s3(self, self.key_for(digest, staging), digest, chunks)

    async def get_to_file(self, digest: str, dest: Path) -> int:
        """Download (in parallel ranges when large) to a temp file beside `dest`, verify, rename."""
        key = self.key_for(digest)
        tmp = temp_path_beside(dest)
        try:
            try:
                await self._call(
                    self.client.download_file, self.bucket, key, str(tmp), Config=self._transfer
                )
            except ClientError as error:
                if is_missing(error):
                    raise BlobNotFound(digest) from None
                raise
            actual, size = await sha256_file(tmp)
            if actual != digest:
                raise DigestMismatch(digest, actual)
            await self._call(os.replace, tmp, dest)
        except BaseException:
            remove_quietly(tmp)
            raise
        return size

    async def open_read(
        self, digest: str, chunk_size: int = READ_CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        """Yield the object's bytes in chunks of at most `chunk_size`."""
        key = self.key_for(digest)
        try:
            response = await self._call(self.client.get_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_missing(error):
                raise BlobNotFound(digest) from None
            raise
        body = response["Body"]
        try:
            while chunk := await self._call(body.read, chunk_size):
                yield chunk
        finally:
            body.close()

    async def exists(self, digest: str) -> bool:
        return await self.size(digest) is not None

    async def size(self, digest: str) -> int | None:
        return await self._size_of(self.key_for(digest))

    async def _size_of(self, key: str) -> int | None:
        return await self._call(self._head_size, key)

    async def delete(self, digest: str) -> None:
        """Delete the object (S3 answers 204 whether or not it existed)."""
        key = self.key_for(digest)
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def presign_upload(
        self, digest: str, size: int, expires_in: int, *, staging: str | None = None
    ) -> UploadTarget:
        """A signed single PUT up to the threshold, else an opened multipart upload.

        The single PUT signs `Content-Length` (the body must be exactly `size` bytes), the sha256
        (S3 answers 400 BadDigest to other bytes) and `If-None-Match: *` (412 means the object
        is already there, which the client may treat as success; for a staged upload that is
        only ever the client's own earlier upload).
        """
        key = self.key_for(digest, staging)
        _check_expiry(expires_in)
        if size < 0:
            raise ValueError("size must not be negative")
        if size > self.multipart_threshold:
            return await self._call(self._presign_multipart, key, digest, size, expires_in)
        headers = {"x-amz-checksum-sha256": digest_b64(digest), "x-amz-meta-sha256": digest}
        params: dict[str, Any] = {
            "Key": key,
            "ContentLength": size,
            "ChecksumSHA256": headers["x-amz-checksum-sha256"],
            "Metadata": {"sha256": digest},
        }
        if self.objects.conditional_writes:
            params["IfNoneMatch"] = headers["If-None-Match"] = "*"
        url = self.objects.presign("put_object", expires_in, **params)
        return UploadTarget(method="PUT", url=url, headers=headers)

    async def complete_multipart(
        self,
        digest: str,
        upload_id: str,
        parts: list[tuple[int, str]],
        *,
        staging: str | None = None,
    ) -> None:
        """Complete the upload, then read the object back and hash it.

        S3 cannot check a sha256 over a multipart object, so this does, at the cost of one full
        read. Until it returns the object may exist unverified; a mismatch deletes it and raises
        `DigestMismatch`. If the object was already there, the upload is discarded instead.
        Part lists S3 refuses (unknown upload, bad ETags, parts too small) raise `BlobStoreError`.
        """
        key = self.key_for(digest, staging)
        completed = await self._call(self.objects.complete_upload, key, upload_id, parts)
        if not completed:
            return
        actual = await self._call(self.objects.sha256, key)
        if actual != digest:
            await self._call(self.client.delete_object, Bucket=self.bucket, Key=key)
            raise DigestMismatch(digest, actual)

    async def abort_multipart(
        self, digest: str, upload_id: str, *, staging: str | None = None
    ) -> None:
        """Discard the upload's parts; one already completed, aborted or expired is fine."""
        key = self.key_for(digest, staging)
        await self._call(self.objects.abort_upload, key, upload_id)

    async def claim_staged(self, digest: str, staging: str) -> int | None:
        """Copy the staged object to the blob's key, then delete it.

        The copy is server-side (no bytes pass through here). Two concurrent claimants of one
        digest may both copy: each writes the same verified bytes.
        """
        return (await self.claim_staged_many([digest], staging))[0]

    async def claim_staged_many(self, digests: list[str], staging: str) -> list[int | None]:
        """Each staged object copied to its blob's key (as many at once as the store has
        threads), then the claimed ones deleted with one DeleteObjects per thousand: two
        requests per object and a few for all, where one at a time took four."""
        sizes = list(
            await asyncio.gather(
                *(
                    self._call(self._copy_staged, self.key_for(d, staging), self.key_for(d), d)
                    for d in digests
                )
            )
        )
        claimed = [
            self.key_for(d, staging)
            for d, size in zip(digests, sizes, strict=True)
            if size is not None
        ]
        for start in range(0, len(claimed), DELETE_BATCH):
            await self._call(self.objects.delete_many, claimed[start : start + DELETE_BATCH])
        return sizes

    async def discard_staged(self, digest: str, staging: str) -> None:
        key = self.key_for(digest, staging)
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def presign_download(
        self, digest: str, expires_in: int, filename: str | None = None
    ) -> str:
        """A signed GET; with `filename`, S3 answers with a matching Content-Disposition."""
        _check_expiry(expires_in)
        params: dict[str, Any] = {"Key": self.key_for(digest)}
        if filename:
            params["ResponseContentDisposition"] = content_disposition(filename)
        return self.objects.presign("get_object", expires_in, **params)

    async def ping(self) -> None:
        """Raise `BlobStoreError` unless the bucket answers a HEAD with our credentials."""
        try:
            await asyncio.to_thread(self._probe.head_bucket, Bucket=self.bucket)  # not queued
        except (ClientError, BotoCoreError) as error:
            raise BlobStoreError(f"S3 bucket {self.bucket!r} is not reachable: {error}") from error

    async def close(self) -> None:
        self.client.close()
        self._probe.close()
        self._threads.shutdown(wait=False)

    async def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking S3 call in the store's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, partial(function, *args, **kwargs))

    def _head_size(self, key: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_missing(error):
                return None
            raise
        return head["ContentLength"]

    def _copy_staged(self, staged: str, dest: str, digest: str) -> int | None:
        """The staged object's size after copying it to `dest`; None when nothing is staged.

        A small object is copied whether or not the blob is stored (asking first costs as much
        as the copy, and the bytes are the same); a large one only when it is not.
        """
        size = self._head_size(staged)
        if size is None:
            return None
        if size <= self.multipart_threshold or self._head_size(dest) is None:
            try:
                self._copy(staged, dest, size, digest)
            except ClientError as error:
                # a concurrent claim of the same draft (a retried confirm or commit) copied it and
                # deleted the staged object between the HEAD and the copy: claimed all the same
                if not is_missing(error) or self._head_size(dest) is None:
                    raise
        return size

    def _copy(self, source: str, dest: str, size: int, digest: str) -> None:
        copy_source: Any = {"Bucket": self.bucket, "Key": source}
        if size <= MAX_COPY_OBJECT:  # one request; the object's metadata (sha256) comes along
            self.client.copy_object(Bucket=self.bucket, Key=dest, CopySource=copy_source)
            return
        extra = {"Metadata": {"sha256": digest}}
        self.client.copy(copy_source, self.bucket, dest, ExtraArgs=extra, Config=self._transfer)

    def _put_small_file(self, key: str, path: Path, digest: str) -> None:
        with path.open("rb") as body:
            self.objects.put(key, body, digest)

    def _presign_multipart(self, key: str, digest: str, size: int, expires_in: int) -> UploadTarget:
        plan = plan_parts(size, self.part_size)
        upload_id = self.objects.create_upload(key, digest)
        urls = [
            self.objects.presign(
                "upload_part", expires_in, Key=key, UploadId=upload_id, PartNumber=number
            )
            for number in range(1, plan.count + 1)
        ]
        target = MultipartTarget(upload_id=upload_id, part_size=plan.part_size, part_urls=urls)
        return UploadTarget(method="PUT", url=None, multipart=target)


def _check_expiry(expires_in: int) -> None:
    if not 0 < expires_in <= MAX_PRESIGN_SECONDS:
        raise ValueError(f"expires_in must be between 1 and {MAX_PRESIGN_SECONDS} seconds")
