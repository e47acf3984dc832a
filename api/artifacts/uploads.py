"""Upload targets for the blobs a draft needs: presigned by the store, never through GraphQL."""

from __future__ import annotations

import asyncio

from api.artifacts.upload_types import BlobUpload
from api.context import Context
from graph.artifacts.drafts import BlobNeed

_CONCURRENCY = 16


async def upload_targets(context: Context, needs: list[BlobNeed]) -> list[BlobUpload]:
    """One target per blob, in digest order: a signed PUT, or an opened multipart upload for
    blobs above the store's multipart threshold (S3)."""
    store = context.blobs
    expires_in = context.settings.signed_url_ttl_seconds
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def one(need: BlobNeed) -> BlobUpload:
        async with limit:
            target = await store.presign_upload(need.digest, need.size, expires_in)
        return BlobUpload.from_target(need.digest, need.size, target)

    return list(await asyncio.gather(*(one(need) for need in needs)))
