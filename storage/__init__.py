"""Content-addressed blob storage: the `BlobStore` interface with S3 and local-disk backends.

Imports neither `api` nor `graph`; the API opens one store in its lifespan via `open_blob_store`.
"""

from __future__ import annotations

from storage.base import (
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    DigestMismatch,
    InvalidDigest,
    InvalidSignature,
    MultipartTarget,
    SignatureExpired,
    UploadTarget,
)
from storage.disposition import content_disposition
from storage.factory import open_blob_store
from storage.keys import blob_key, sha256_bytes, sha256_file, validate_digest
from storage.local import LocalBlobStore
from storage.multipart import (
    DEFAULT_MULTIPART_THRESHOLD,
    DEFAULT_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    PartPlan,
    plan_parts,
)
from storage.s3 import S3BlobStore
from storage.signing import UrlSigner

__all__ = [
    "DEFAULT_MULTIPART_THRESHOLD",
    "DEFAULT_PART_SIZE",
    "MAX_PARTS",
    "MIN_PART_SIZE",
    "BlobNotFound",
    "BlobStore",
    "BlobStoreError",
    "DigestMismatch",
    "InvalidDigest",
    "InvalidSignature",
    "LocalBlobStore",
    "MultipartTarget",
    "PartPlan",
    "S3BlobStore",
    "SignatureExpired",
    "UploadTarget",
    "UrlSigner",
    "blob_key",
    "content_disposition",
    "open_blob_store",
    "plan_parts",
    "sha256_bytes",
    "sha256_file",
    "validate_digest",
]
