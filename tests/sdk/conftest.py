"""SDK fixtures: a live API on the session's real S3, and SDK clients with a private cache."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import lineage
from services.s3_server import S3Endpoint
from tests.conftest import SessionUser
from tests.sdk.live import S3LiveServer, start_s3_live_server


@pytest.fixture(scope="session")
def s3_live(
    neo4j_uri: str, s3_server: S3Endpoint, s3_bucket: str, session_user: SessionUser
) -> Iterator[S3LiveServer]:
    server = start_s3_live_server(
        neo4j_uri, s3_server, s3_bucket, f"sdk-{uuid.uuid4().hex[:10]}", session_user.api_key
    )
    yield server
    server.stop()


@pytest.fixture
def sdk_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3_server: S3Endpoint) -> Path:
    """A private download/hash cache; S3 credentials for listing `s3://` references."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(cache))
    monkeypatch.setenv("LINEAGE_PROGRESS", "0")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", s3_server.region)
    return cache


@pytest.fixture
def sdk(s3_live: S3LiveServer, sdk_env: Path) -> Iterator[lineage.Client]:
    with lineage.Client(s3_live.url, api_key=s3_live.api_key) as client:
        yield client
