"""One boto3 S3 client configured to work the same against AWS S3 and S3-compatible servers.

Also the few questions asked of a `ClientError` (missing? precondition failed? unsupported?),
answered the same way for every server's spelling of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_POOL_CONNECTIONS = 32


def make_client(
    *,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    access_key: str | None = None,
    secret_key: str | None = None,
    max_pool_connections: int = DEFAULT_POOL_CONNECTIONS,
    max_attempts: int = 5,
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
) -> S3Client:
    """A thread-safe S3 client; with keys left None, boto3's default chain (AWS_* env) applies.

    The client gets its own `boto3.Session` because the module-level default session is not safe
    to share between the threads that run our calls.
    """
    config = Config(
        region_name=region,
        # Presigned URLs must be SigV4: SigV2 is refused by newer AWS regions and by versitygw.
        signature_version="s3v4",
        # Virtual-host buckets (`bucket.host`) need wildcard DNS, which a self-hosted endpoint on
        # an IP or `localhost` lacks; AWS itself (no endpoint) keeps its preferred style.
        s3={"addressing_style": "path"} if endpoint_url else {},
        # boto3 >= 1.36 adds a CRC32 (as a header, or an aws-chunked trailer on streamed bodies)
        # to every upload and asks for checksums on every download. Several S3-compatible servers
        # reject or mishandle these, and they add nothing here: integrity is our own sha256, sent
        # explicitly as x-amz-checksum-sha256 where S3 should check it.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # botocore's pool defaults to 10; multipart transfers run that many threads each.
        max_pool_connections=max_pool_connections,
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    session = boto3.session.Session()
    return session.client(  # pyright: ignore[reportUnknownMemberType]  # boto3's overloads
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split `s3://bucket/some/prefix` into `("bucket", "some/prefix")`; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3://bucket[/prefix] URL: {url!r}")
    return parts.netloc, parts.path.strip("/")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def is_missing(error: ClientError) -> bool:
    """The object (or upload) is not there: HEAD says 404, GET says NoSuchKey."""
    return _status(error) == 404 or _code(error) in {"404", "NoSuchKey", "NotFound"}


def is_no_such_upload(error: ClientError) -> bool:
    """A multipart upload id that was completed, aborted, expired, or never existed."""
    return _code(error) == "NoSuchUpload"


def is_precondition_failed(error: ClientError) -> bool:
    """`If-None-Match: *` refused the write because the object already exists."""
    return _status(error) == 412 or _code(error) == "PreconditionFailed"


def is_not_implemented(error: ClientError) -> bool:
    """The server does not support a feature we asked for (here: conditional writes)."""
    return _status(error) == 501 or _code(error) == "NotImplemented"


def is_client_fault(error: ClientError) -> bool:
    """A multipart completion refused for what the uploader sent (bad part list or sizes)."""
    return _code(error) in {
        "InvalidPart",
        "InvalidPartOrder",
        "EntityTooSmall",
        "InvalidRequest",
        "MalformedXML",
        "NoSuchUpload",
    }
