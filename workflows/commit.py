"""Commit: build a draft's manifest, verify its blobs, store the manifest, commit `vN`.

Owns the order of those steps, which is what keeps a version from ever existing without its
bytes. The manifest is built from the draft's batches (merged over the base version's entries
for an incremental draft) into a spool, in bounded memory. If a committed version of the
artifact already has that digest, the commit only deduplicates, and the draft's run is recorded
as having (re-)produced that version. Otherwise every blob not yet verified is claimed from the
draft's uploads (workflows.verification), the manifest and its pages are written, and the commit
transaction creates `vN`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

from graph.artifacts import blobs as artifact_blobs
from graph.artifacts import drafts, versions
from graph.artifacts.commit import BuiltManifest, CommitResult, NotCommitted, commit_draft
from graph.artifacts.drafts import DraftRecord
from graph.artifacts.manifest_spool import ManifestSpool
from graph.artifacts.manifests import (
    DraftLine,
    ManifestEntry,
    decode_draft_line,
    merge_with_base,
    only_entries,
)
from graph.artifacts.retention import apply_retention
from graph.core.driver import Graph
from graph.core.errors import DigestMismatch, NotFound
from graph.core.refs import ArtifactKey, SelectorKind, VersionRef
from graph.lineage.edges import record_reproduced
from storage.base import BlobNotFound, BlobStore
from workflows.pages import read_page
from workflows.uploads import discard_staged
from workflows.verification import verify_blobs

_CONCURRENCY = 16


async def _draft_lines(graph: Graph, draft: DraftRecord) -> AsyncIterator[DraftLine]:
    for seq in range(draft.part_count):
        text = await drafts.draft_part(graph, draft.id, seq)
        for line in text.splitlines():
            if line:
                yield decode_draft_line(line)


async def _base_entries(blobs: BlobStore, page_digests: list[str]) -> AsyncIterator[ManifestEntry]:
    for digest in page_digests:
        try:
            page = await read_page(blobs, digest, cached=False)
        except BlobNotFound:
            raise NotFound("The base version was deleted", field="baseVersion") from None
        for entry in page:
            yield entry


async def build_manifest(
    graph: Graph, blobs: BlobStore, draft: DraftRecord, spool: ManifestSpool
) -> list[str]:
    """Fill `spool` with the draft's manifest; return base blobs it no longer uses."""
    changes = _draft_lines(graph, draft)
    dropped: set[str] = set()
    if draft.base_version_id is None:
        entries = only_entries(changes)
    else:
        [layout] = await versions.manifest_layouts(graph, [draft.base_version_id])
        if layout is None:
            raise NotFound("The base version was deleted", field="baseVersion")
        entries = merge_with_base(_base_entries(blobs, layout.page_digests), changes, dropped)
    async for entry in entries:
        spool.add(entry)
    spool.finish()
    if not dropped:
        return []
    still_used = {
        entry.digest for entry in spool.entries() if entry.ref is None and entry.digest in dropped
    }
    return sorted(dropped - still_used)


async def _chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def store_manifest(
    graph: Graph, blobs: BlobStore, draft_id: str, spool: ManifestSpool
) -> None:
    """Write the manifest and its pages (linked to the draft first, so GC keeps them).

    Pages shared with other versions are usually stored already; each is checked in the store
    rather than trusted to the graph, since a few HEADs are cheap next to a commit.
    """
    ranges = {spool.digest: (0, spool.manifest_size)}
    ranges.update({page.digest: (page.start, page.end) for page in spool.pages})
    await artifact_blobs.link_manifest_blobs(
        graph, draft_id, [(digest, end - start) for digest, (start, end) in ranges.items()]
    )
    limit = asyncio.Semaphore(_CONCURRENCY)

    async def ensure(digest: str, start: int, end: int) -> None:
        async with limit:
            if not await blobs.exists(digest):
                await blobs.put_stream(digest, _chunks(spool.read_range(start, end)))

    await asyncio.gather(*(ensure(d, start, end) for d, (start, end) in ranges.items()))


def _built(spool: ManifestSpool, stale: list[str], draft: DraftRecord) -> BuiltManifest:
    return BuiltManifest(
        digest=spool.digest,
        size=spool.size,
        file_count=spool.count,
        manifest_size=spool.manifest_size,
        page_digests=[page.digest for page in spool.pages],
        page_counts=[page.count for page in spool.pages],
        stale_digests=stale,
        part_count=draft.part_count,
    )


async def commit(
    graph: Graph,
    blobs: BlobStore,
    draft: DraftRecord,
    expected_digest: str | None,
    *,
    actor: str,
) -> CommitResult:
    """Commit `draft` (see the module doc) as the caller read it, authorised on its organisation.

    The draft is not read again here: the commit transaction re-checks it under the artifact's
    lock, so a draft discarded meanwhile is NOT_FOUND and one extended meanwhile is CONFLICT.
    """
    key = ArtifactKey(draft.org, draft.project, draft.name)
    with ManifestSpool() as spool:
        stale = await build_manifest(graph, blobs, draft, spool)
        if expected_digest is not None and expected_digest != spool.digest:
            raise DigestMismatch(
                f"The manifest digest is {spool.digest}, not {expected_digest}",
                field="expectedDigest",
            )
        manifest = _built(spool, stale, draft)
        existing = await versions.version_by_ref(
            graph, VersionRef(key, SelectorKind.DIGEST, spool.digest)
        )
        if existing is not None:
            unclaimed = await artifact_blobs.unverified_blobs(graph, draft.id)
            try:
                result = await commit_draft(graph, draft.id, manifest, actor, allow_create=False)
            except NotCommitted:
                pass  # deleted meanwhile: commit as new content
            else:
                await discard_staged(blobs, draft.id, [need.digest for need in unclaimed])
                return await _reproduced(graph, draft, result, actor)
        await verify_blobs(graph, blobs, draft.id)
        await store_manifest(graph, blobs, draft.id, spool)
        result = await commit_draft(graph, draft.id, manifest, actor, allow_create=True)
    if result.created:
        await apply_retention(graph, result.version.artifact_id)
        return result
    return await _reproduced(graph, draft, result, actor)


async def _reproduced(
    graph: Graph, draft: DraftRecord, result: CommitResult, actor: str
) -> CommitResult:
    """A draft that deduplicated to an existing version: its run produced that version too."""
    if draft.run_id is not None:
        await record_reproduced(graph, draft.run_id, result.version.id, actor=actor)
    return result
