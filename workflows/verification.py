"""Verification: proving that a draft uploaded its blobs, and recording it in the graph.

Owns what counts as uploaded: the draft's own upload, found in its staging area in the store
(named by the draft id) with the declared size, and then claimed as the blob. A blob that is
merely present in the shared store does not count, since another organisation may have put it
there (graph.artifacts.drafts). The commit checks every blob of the draft not yet verified;
clients may confirm uploads batch by batch while later ones are still running
(`confirmArtifactUploads`), so that little or nothing is left to check when they commit.
Whatever is claimed is recorded at once, before any error is raised: a claimed upload leaves the
staging area, so it must never have to be sent again.
"""

from __future__ import annotations

from graph.artifacts import blobs as artifact_blobs
from graph.artifacts.drafts import BlobNeed
from graph.core.driver import Graph
from graph.core.errors import MissingBlob, SizeMismatch
from storage.base import BlobStore


async def _claim(blobs: BlobStore, draft_id: str, needs: list[BlobNeed]) -> list[int | None]:
    """The size of each need's upload, now claimed from the draft's staging area, or None."""
    return await blobs.claim_staged_many([need.digest for need in needs], draft_id)


async def _record(
    graph: Graph, draft_id: str, needs: list[BlobNeed], sizes: list[int | None]
) -> list[BlobNeed]:
    """Record the claimed uploads of their declared size; SIZE_MISMATCH for one of another size
    (the uploader sent those bytes, so this tells it nothing new). Returns the needs still
    missing."""
    pairs = list(zip(needs, sizes, strict=True))
    good = [need.digest for need, size in pairs if size is not None and size == need.size]
    if good:
        await artifact_blobs.mark_verified(graph, draft_id, good)
    for need, size in pairs:
        if size is not None and size != need.size:
            raise SizeMismatch(
                f"Blob {need.digest} is {size} bytes, declared as {need.size}", field="size"
            )
    return [need for need, size in pairs if size is None]


async def verify_blobs(graph: Graph, blobs: BlobStore, draft_id: str) -> None:
    """MISSING_BLOB or SIZE_MISMATCH unless every blob of the draft is verified: held by its
    organisation already, or uploaded by this draft with its declared size."""
    needs = await artifact_blobs.unverified_blobs(graph, draft_id)
    missing = await _record(graph, draft_id, needs, await _claim(blobs, draft_id, needs))
    if missing:
        first = missing[0]
        raise MissingBlob(
            f"{len(missing)} blob(s) not uploaded, e.g. {first.digest} ({first.size} bytes); "
            "upload them before committing",
            field="draftId",
        )


async def confirm_uploads(
    graph: Graph, blobs: BlobStore, draft_id: str, digests: list[str]
) -> tuple[int, list[str]]:
    """Check these blobs of the draft for its uploads and record the ones it uploaded.

    Returns (how many are now verified, digests still missing); SIZE_MISMATCH if one was
    uploaded with another size than declared. Digests the draft does not hold are ignored.
    """
    found = await artifact_blobs.draft_blobs_among(graph, draft_id, sorted(set(digests)))
    needs = [need for need, verified in found if not verified]
    missing = await _record(graph, draft_id, needs, await _claim(blobs, draft_id, needs))
    return len(found) - len(missing), sorted(need.digest for need in missing)
