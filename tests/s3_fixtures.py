"""Fixtures for a real S3 server and the blob stores on it; load with
`pytest_plugins = ["tests.s3_fixtures"]`.

`LINEAGE_TEST_S3_ENDPOINT` (with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) points at a
running server; otherwise versitygw is built into `<repo>/.lineage/bin` (once) and started on a
free port for the session. Each session gets its own bucket and each test its own key prefix, so
runs never see each other's blobs even on a shared server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
import pytest_asyncio
from botocore.config import Config

from services.s3_server import S3Endpoint, S3Server, free_port, install
from storage.local import LocalBlobStore
from storage.multipart import MIN_PART_SIZE
from storage.s3 import S3BlobStore
from storage.signing import UrlSigner

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REPO = Path(__file__).resolve().parent.parent

TEST_MULTIPART_THRESHOLD = MIN_PART_SIZE
"""Test stores switch to multipart above 5 MiB (and use 5 MiB parts) so small files exercise it."""

LOCAL_BASE_URL = "http://lineage.test"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """The S3 server for this session: the one in the environment, or a fresh versitygw."""
    endpoint_url = os.environ.get("LINEAGE_TEST_S3_ENDPOINT")
    if endpoint_url:
        yield S3Endpoint(
            endpoint_url,
            os.environ["AWS_ACCESS_KEY_ID"],
            os.environ["AWS_SECRET_ACCESS_KEY"],
            os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        )
        return
    binary = install(REPO / ".lineage" / "bin")
    server = S3Server.start(
        tmp_path_factory.mktemp("versitygw"),
        free_port(),
        "lineage-test",
        secrets.token_hex(20),
        binary=binary,
    )
    with server:
        yield server.endpoint


def s3_client(endpoint: S3Endpoint) -> S3Client:
    """A plain boto3 client on the test server, for setting up and inspecting what tests did."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint.endpoint_url,
        region_name=endpoint.region,
        aws_access_key_id=endpoint.access_key,
        aws_secret_access_key=endpoint.secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Endpoint) -> Iterator[str]:
    """A bucket created for this session, emptied and removed at its end."""
    client = s3_client(s3_server)
    bucket = f"lineage-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    yield bucket
    with contextlib.suppress(Exception):
        _empty_and_delete(client, bucket)
    client.close()


def _empty_and_delete(client: S3Client, bucket: str) -> None:
    for uploads in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in uploads.get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
    for listing in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in listing.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest_asyncio.fixture
async def s3_store(s3_server: S3Endpoint, s3_bucket: str) -> AsyncIterator[S3BlobStore]:
    """An `S3BlobStore` on the session bucket under a prefix no other test uses."""
    store = S3BlobStore(
        s3_bucket,
        f"test-{uuid.uuid4().hex[:12]}",
        endpoint_url=s3_server.endpoint_url,
        region=s3_server.region,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        multipart_threshold=TEST_MULTIPART_THRESHOLD,
        part_size=MIN_PART_SIZE,
        max_concurrency=4,
    )
    yield store
    await store.close()


@pytest.fixture
def local_store(tmp_path: Path) -> LocalBlobStore:
    """A `LocalBlobStore` in this test's tmp dir, signing with a random secret."""
    return LocalBlobStore(tmp_path / "blobs", UrlSigner(secrets.token_bytes(32)), LOCAL_BASE_URL)
