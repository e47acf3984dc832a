"""Synchronous S3 object operations with create-if-absent semantics, run in worker threads.

Every write sends `If-None-Match: *` so that of two concurrent writers of one key exactly one
wins and the other learns (412) that the object is already there. Servers that answer 501 to
conditional writes get plain writes from then on, which is still correct for immutable blobs.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from storage.base import BlobStoreError
from storage.keys import CHUNK_SIZE, StreamDigest, digest_b64
from storage.s3_client import (
    is_client_fault,
    is_missing,
    is_no_such_upload,
    is_not_implemented,
    is_precondition_failed,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3Objects:
    """The objects of one bucket, addressed by full key, each tagged with its sha256."""

    def __init__(
        self, client: S3Client, bucket: str, presign_client: S3Client | None = None
    ) -> None:
        self.client = client
        # Presigned URLs embed the host they were signed for; when clients reach S3 at another
        # address than this server does (Docker networks, proxies), sign with that address.
        self.presign_client = presign_client or client
        self.bucket = bucket
        self.conditional_writes = True

    def put(self, key: str, body: Any, digest: str) -> None:
        """PutObject with the sha256 for S3 to check (400 BadDigest otherwise); 412 is success."""
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ChecksumSHA256": digest_b64(digest),
            "Metadata": {"sha256": digest},
        }
        try:
            if self.conditional_writes:
                self.client.put_object(**params, IfNoneMatch="*")
            else:
                self.client.put_object(**params)
        except ClientError as error:
            if is_precondition_failed(error):
                return
            if not (self.conditional_writes and is_not_implemented(error)):
                raise
            self.conditional_writes = False
            if hasattr(body, "seek"):
                body.seek(0)
            self.client.put_object(**params)

    def create_upload(self, key: str, digest: str) -> str:
        """Open a multipart upload and return its id."""
        response = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, Metadata={"sha256": digest}
        )
        return response["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> str:
        """Send part `number` and return its ETag."""
        response = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return response["ETag"]

    def complete_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        """Complete create-if-absent; False (and the upload discarded) if the key already exists.

        A part list S3 refuses (unknown upload, wrong ETags, parts too small) is the uploader's
        fault and raises `BlobStoreError`.
        """
        listed: Any = {"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in sorted(parts)]}
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "UploadId": upload_id,
            "MultipartUpload": listed,
        }
        try:
            if self.conditional_writes:
                self.client.complete_multipart_upload(**params, IfNoneMatch="*")
            else:
                self.client.complete_multipart_upload(**params)
        except ClientError as error:
            if is_precondition_failed(error):
                self.abort_upload(key, upload_id)
                return False
            if self.conditional_writes and is_not_implemented(error):
                self.conditional_writes = False
                return self.complete_upload(key, upload_id, parts)
            if is_client_fault(error):
                raise BlobStoreError(f"multipart upload refused: {error}") from error
            raise
        return True

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Abort a multipart upload; one already completed, aborted or expired is fine."""
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if not (is_no_such_upload(error) or is_missing(error)):
                raise

    def delete_many(self, keys: list[str]) -> None:
        """Delete up to 1,000 objects in one request; absent ones count as deleted. A key
        the server could not delete is an error (`BlobStoreError` naming it)."""
        if not keys:
            return
        answer = self.client.delete_objects(
            Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )
        # AWS answers an absent key as deleted; some gateways (versitygw) as NoSuchKey
        failed = [e for e in answer.get("Errors") or [] if e.get("Code") != "NoSuchKey"]
        if failed:
            first = failed[0]
            raise BlobStoreError(
                f"{len(failed)} object(s) not deleted, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )

    def presign(self, operation: str, expires_in: int, **params: Any) -> str:
        """A SigV4 presigned URL for `operation` on this bucket."""
        return self.presign_client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=expires_in
        )

    def sha256(self, key: str) -> str:
        """Read the whole object back and return its hex sha256."""
        running = StreamDigest()
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        with contextlib.closing(body):
            while chunk := body.read(CHUNK_SIZE):
                running.update(chunk)
        return running.hexdigest()
