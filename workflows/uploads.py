"""Uploads: draft entries answered with upload targets, and finishing multipart uploads.

Owns the promise that a new draft exists only together with its upload targets (when they cannot
be issued, the draft is deleted again) and that a completed multipart upload is checked by the
store and recorded in the graph before it counts. Bytes never pass through the API: each blob the
draft must upload gets a signed PUT, or an opened multipart upload above the store's threshold
(S3), into the draft's own staging area in the store (named by the draft id). So the targets are
the same whether or not anyone else stored that blob, and only the draft's own upload proves it
holds the bytes (workflows.verification).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from graph.artifacts import blobs as artifact_blobs
from graph.artifacts import drafts
from graph.artifacts.drafts import BlobNeed, DraftSpec
from graph.artifacts.manifests import DraftLine
from graph.core.driver import Graph
from graph.core.errors import DigestMismatch, InvalidInput
from storage import base as storage
from storage.base import BlobStore, UploadTarget
from workflows.settings import WorkflowSettings
from workflows.verification import confirm_uploads

_CONCURRENCY = 16


@dataclass(frozen=True)
class BlobTarget:
    """Where the client sends one blob the store lacks."""

    digest: str
    size: int
    target: UploadTarget


async def upload_targets(
    blobs: BlobStore, settings: WorkflowSettings, draft_id: str, needs: list[BlobNeed]
) -> list[BlobTarget]:
    """One target per blob into the draft's staging area, in the order of `needs`, valid
    `settings.signed_url_ttl_seconds`."""
    expires_in = settings.signed_url_ttl_seconds
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def one(need: BlobNeed) -> BlobTarget:
        async with limit:
            target = await blobs.presign_upload(
                need.digest, need.size, expires_in, staging=draft_id
            )
        return BlobTarget(need.digest, need.size, target)

    return list(await asyncio.gather(*(one(need) for need in needs)))


async def start_draft(
    graph: Graph,
    blobs: BlobStore,
    settings: WorkflowSettings,
    spec: DraftSpec,
    lines: list[DraftLine],
) -> tuple[str, list[BlobTarget]]:
    """Create a draft with its first entries; return its id and targets for the missing blobs."""
    draft_id, needs = await drafts.create_draft(graph, spec, lines)
    try:
        targets = await upload_targets(blobs, settings, draft_id, needs)
    except BaseException:
        await drafts.delete_draft(graph, draft_id)
        raise
    return draft_id, targets


async def add_entries(
    graph: Graph,
    blobs: BlobStore,
    settings: WorkflowSettings,
    draft_id: str,
    lines: list[DraftLine],
) -> list[BlobTarget]:
    """Append a batch to a pending draft; return targets for the blobs it newly needs."""
    _, needs = await drafts.append_entries(graph, draft_id, lines)
    return await upload_targets(blobs, settings, draft_id, needs)


async def complete_multipart(
    graph: Graph,
    blobs: BlobStore,
    draft_id: str,
    digest: str,
    upload_id: str,
    parts: list[tuple[int, str]],
) -> None:
    """Finish a multipart upload of one of the draft's blobs and record it as uploaded.

    DIGEST_MISMATCH if the bytes hash to another digest (the store deletes them); INVALID_INPUT
    if the store refuses the parts; SIZE_MISMATCH if the blob is not its declared size.
    """
    try:
        await blobs.complete_multipart(digest, upload_id, parts, staging=draft_id)
    except storage.DigestMismatch as error:
        raise DigestMismatch(
            f"Uploaded bytes hash to {error.actual}, not {digest}", field="digest"
        ) from None
    except storage.BlobStoreError as error:
        raise InvalidInput(f"The store refused the upload: {error}", field="parts") from None
    await confirm_uploads(graph, blobs, draft_id, [digest])


async def abort_multipart(blobs: BlobStore, draft_id: str, digest: str, upload_id: str) -> None:
    """Discard the parts of the draft's unfinished multipart upload of `digest`."""
    await blobs.abort_multipart(digest, upload_id, staging=draft_id)


async def discard_draft(graph: Graph, blobs: BlobStore, draft_id: str) -> bool:
    """Delete a pending draft and whatever it uploaded but never had claimed; whether it was
    still pending."""
    unclaimed = await artifact_blobs.unverified_blobs(graph, draft_id)
    deleted = await drafts.delete_draft(graph, draft_id)
    await discard_staged(blobs, draft_id, [need.digest for need in unclaimed])
    return deleted


async def discard_staged(blobs: BlobStore, draft_id: str, digests: list[str]) -> None:
    """Drop the draft's unclaimed uploads of `digests` (a draft that is gone needs none)."""
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def one(digest: str) -> None:
        async with limit:
            await blobs.discard_staged(digest, draft_id)

    await asyncio.gather(*(one(digest) for digest in digests))
