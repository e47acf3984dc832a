"""Files of versions for download: manifest entries, each stored blob with its own signed URL.

Owns which entries get a URL (stored blobs, presigned for `settings.signed_url_ttl_seconds`;
http(s) references, as themselves) and which do not (other references: fetch from the source).
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass

from graph.artifacts.manifests import ManifestEntry
from graph.artifacts.records import ManifestLayout
from storage.base import BlobStore
from workflows.pages import entries_slice
from workflows.settings import WorkflowSettings

_PRESIGN_CONCURRENCY = 16


@dataclass(frozen=True)
class FileLink:
    entry: ManifestEntry
    url: str | None


async def _url(blobs: BlobStore, entry: ManifestEntry, expires_in: int) -> str | None:
    if entry.ref is not None:
        return entry.ref if entry.ref.startswith(("http://", "https://")) else None
    assert entry.digest is not None
    return await blobs.presign_download(
        entry.digest, expires_in, filename=posixpath.basename(entry.path)
    )


async def file_links(
    blobs: BlobStore, settings: WorkflowSettings, entries: list[ManifestEntry]
) -> list[FileLink]:
    """The entries in the order given, each with its download URL or None."""
    expires_in = settings.signed_url_ttl_seconds
    limit = asyncio.Semaphore(_PRESIGN_CONCURRENCY)

    async def one(entry: ManifestEntry) -> FileLink:
        async with limit:
            return FileLink(entry, await _url(blobs, entry, expires_in))

    return list(await asyncio.gather(*(one(entry) for entry in entries)))


async def files_page(
    blobs: BlobStore, settings: WorkflowSettings, layout: ManifestLayout, offset: int, limit: int
) -> list[FileLink]:
    """Files `[offset, offset + limit)` of a version, in manifest order, with download URLs."""
    entries = await entries_slice(blobs, layout, offset, limit)
    return await file_links(blobs, settings, entries)
