"""Storage tests run each backend-neutral case against both stores: S3 over HTTP and local disk."""

from __future__ import annotations

import pytest

from storage.base import BlobStore


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest) -> BlobStore:
    """Each test taking `store` runs once on `s3_store` and once on `local_store`."""
    fixture: BlobStore = request.getfixturevalue(f"{request.param}_store")
    return fixture
