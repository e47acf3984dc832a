"""Verification: checking that the store holds a draft's blobs with their declared sizes.

Owns what counts as uploaded (present, with the declared size) and recording it in the graph.
The commit checks every blob the graph does not yet know to be stored; clients may confirm
uploads batch by batch while later ones are still running (`confirmArtifactUploads`), so that
little or nothing is left to check when they commit.
"""

from __future__ import annotations

import asyncio

from graph.artifacts import blobs as artifact_blobs
from graph.artifacts.drafts import BlobNeed
from graph.core.driver import Graph
from graph.core.errors import MissingBlob, SizeMismatch
from storage.base import BlobStore

_CONCURRENCY = 16


async def _sizes(blobs: BlobStore, needs: list[BlobNeed]) -> list[int | None]:
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def size_of(digest: str) -> int | None:
        async with limit:
            return await blobs.size(digest)

    return list(await asyncio.gather(*(size_of(need.digest) for need in needs)))


def _check_sizes(needs: list[BlobNeed], sizes: list[int | None]) -> None:
    for need, size in zip(needs, sizes, strict=True):
        if size is not None and size != need.size:
            raise SizeMismatch(
                f"Blob {need.digest} is {size} bytes, declared as {need.size}", field="size"
            )


async def verify_blobs(graph: Graph, blobs: BlobStore, draft_id: str) -> None:
    """MISSING_BLOB or SIZE_MISMATCH unless every blob not yet known to be stored is in the
    store with its declared size."""
    needs = await artifact_blobs.unstored_blobs(graph, draft_id)
    sizes = await _sizes(blobs, needs)
    missing = [need for need, size in zip(needs, sizes, strict=True) if size is None]
    if missing:
        first = missing[0]
        raise MissingBlob(
            f"{len(missing)} blob(s) not in the store, e.g. {first.digest} ({first.size} bytes); "
            "upload them before committing",
            field="draftId",
        )
    _check_sizes(needs, sizes)


async def confirm_uploads(
    graph: Graph, blobs: BlobStore, draft_id: str, digests: list[str]
) -> tuple[int, list[str]]:
    """Check these blobs of the draft in the store and record the ones present as stored.

    Returns (how many are now known stored, digests still missing); SIZE_MISMATCH if one is
    there with another size than declared. Digests the draft does not hold are ignored.
    """
    found = await artifact_blobs.draft_blobs_among(graph, draft_id, sorted(set(digests)))
    needs = [need for need, stored in found if not stored]
    sizes = await _sizes(blobs, needs)
    _check_sizes(needs, sizes)
    present = [need.digest for need, size in zip(needs, sizes, strict=True) if size is not None]
    if present:
        await artifact_blobs.mark_verified(graph, draft_id, present)
    missing = sorted(need.digest for need, size in zip(needs, sizes, strict=True) if size is None)
    return len(found) - len(missing), missing
