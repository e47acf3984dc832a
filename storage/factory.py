"""Open the blob store a URL names: `s3://bucket/prefix`, `file:///abs/path` or a plain path."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.base import BlobStore
from storage.local import LocalBlobStore
from storage.multipart import DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE
from storage.s3 import S3BlobStore
from storage.signing import UrlSigner


def open_blob_store(
    url: str,
    *,
    signer: UrlSigner | None = None,
    public_base_url: str | None = None,
    s3_endpoint_url: str | None = None,
    s3_region: str = "us-east-1",
    s3_access_key: str | None = None,
    s3_secret_key: str | None = None,
    s3_public_endpoint_url: str | None = None,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
    part_size: int = DEFAULT_PART_SIZE,
) -> BlobStore:
    """The store for `url`; ValueError for an unknown scheme or missing local-store settings.

    The local store serves its own signed URLs through the API, so it needs `signer` and
    `public_base_url`; S3 ignores both. S3 keys left None fall back to boto3's default chain.
    Opening does no I/O against S3; call `ping()` to check the store is reachable.
    """
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return S3BlobStore.from_url(
            url,
            endpoint_url=s3_endpoint_url,
            region=s3_region,
            access_key=s3_access_key,
            secret_key=s3_secret_key,
            public_endpoint_url=s3_public_endpoint_url,
            multipart_threshold=multipart_threshold,
            part_size=part_size,
        )
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file URLs must name a local absolute path: {url!r}")
        root = Path(unquote(parts.path))
    elif parts.scheme == "":
        root = Path(url)
    else:
        raise ValueError(f"unsupported blob store URL scheme {parts.scheme!r} in {url!r}")
    if signer is None or public_base_url is None:
        raise ValueError("a local blob store needs a URL signer and the API's public base URL")
    return LocalBlobStore(root.expanduser().resolve(), signer, public_base_url)
