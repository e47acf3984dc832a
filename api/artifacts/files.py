"""The files of versions as the schema shows them: entries with short-lived download URLs."""

from __future__ import annotations

import asyncio
import posixpath

import strawberry

from api.artifacts.pages import entries_slice
from api.artifacts.scalars import BigInt
from api.context import Context
from graph.artifacts.manifests import ManifestEntry
from graph.artifacts.records import ManifestLayout
from storage.base import BlobStore

MAX_FILES_PAGE = 1000
"""Files pages may be larger than other lists: each file is small and downloads want many."""
DEFAULT_FILES_PAGE = 100
MAX_FILES_PER_REQUEST = 20_000
"""Bound on files (with URLs) one `artifactFiles` request returns across all its versions."""
_PRESIGN_CONCURRENCY = 16


@strawberry.type(description="One file of a version: a stored blob or a reference.")
class ArtifactFile:
    path: str = strawberry.field(description="Relative path inside the artifact, '/'-separated.")
    digest: str | None = strawberry.field(
        description="The sha256 of the bytes (always for stored files; for references if recorded)."
    )
    size: BigInt | None = strawberry.field(
        description="Bytes of the file (always for stored files; for references if recorded)."
    )
    ref: str | None = strawberry.field(
        description="The s3://, file:// or http(s):// location of a reference entry."
    )
    etag: str | None = strawberry.field(description="The reference's ETag when recorded.")
    version_id: str | None = strawberry.field(
        description="The reference object's version id when recorded."
    )
    url: str | None = strawberry.field(
        description="A short-lived GET URL for a stored file; the location itself for an "
        "http(s) reference; null for other references (fetch them from their source)."
    )


async def _url(store: BlobStore, entry: ManifestEntry, expires_in: int) -> str | None:
    if entry.ref is not None:
        return entry.ref if entry.ref.startswith(("http://", "https://")) else None
    assert entry.digest is not None
    return await store.presign_download(
        entry.digest, expires_in, filename=posixpath.basename(entry.path)
    )


async def file_objects(context: Context, entries: list[ManifestEntry]) -> list[ArtifactFile]:
    """Entries as `ArtifactFile`s, each stored one with its own presigned download URL."""
    store = context.blobs
    expires_in = context.settings.signed_url_ttl_seconds
    limit = asyncio.Semaphore(_PRESIGN_CONCURRENCY)

    async def one(entry: ManifestEntry) -> ArtifactFile:
        async with limit:
            url = await _url(store, entry, expires_in)
        return ArtifactFile(
            path=entry.path,
            digest=entry.digest,
            size=None if entry.size is None else BigInt(entry.size),
            ref=entry.ref,
            etag=entry.etag,
            version_id=entry.version_id,
            url=url,
        )

    return list(await asyncio.gather(*(one(entry) for entry in entries)))


async def files_page(
    context: Context, layout: ManifestLayout, offset: int, limit: int
) -> list[ArtifactFile]:
    """One page of a version's files, in manifest order."""
    entries = await entries_slice(context.blobs, layout, offset, limit)
    return await file_objects(context, entries)
