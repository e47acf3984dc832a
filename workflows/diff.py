"""What changed between two versions' files: a merge of their manifests in path order.

Manifest pages are immutable blobs named by their sha256 and cut at the same boundaries by the
commit, so a page both versions hold covers exactly the same entries in both: such pages are
skipped without being read, and a one-file change in a 100,000-file version reads a page or two
per side. Bounded by `MAX_CHANGES` (the answer says when it was cut).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import Enum

from graph.artifacts.manifests import ManifestEntry, sort_key
from graph.artifacts.records import ManifestLayout
from storage.base import BlobStore
from workflows.pages import read_page

MAX_CHANGES = 100_000


class Change(Enum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"
    CHANGED = "CHANGED"


@dataclass(frozen=True)
class FileChange:
    path: str
    change: Change
    before: ManifestEntry | None
    after: ManifestEntry | None


@dataclass(frozen=True)
class FilesDiff:
    changes: list[FileChange]
    counts: Counter[Change]
    truncated: bool


def _same(a: ManifestEntry, b: ManifestEntry) -> bool:
    return (a.digest, a.size, a.ref, a.etag, a.version_id) == (
        b.digest,
        b.size,
        b.ref,
        b.etag,
        b.version_id,
    )


async def _entries(blobs: BlobStore, digests: list[str]) -> list[ManifestEntry]:
    entries: list[ManifestEntry] = []
    for digest in digests:
        entries.extend(await read_page(blobs, digest))
    return entries


async def diff_files(blobs: BlobStore, before: ManifestLayout, after: ManifestLayout) -> FilesDiff:
    """Files added, removed and changed (by digest, size or reference) from `before` to
    `after`, in path order."""
    shared = set(before.page_digests) & set(after.page_digests)
    old = await _entries(blobs, [d for d in before.page_digests if d not in shared])
    new = await _entries(blobs, [d for d in after.page_digests if d not in shared])
    changes: list[FileChange] = []
    counts: Counter[Change] = Counter()
    i = j = 0
    while i < len(old) or j < len(new):
        if j >= len(new) or (i < len(old) and sort_key(old[i].path) < sort_key(new[j].path)):
            change = FileChange(old[i].path, Change.REMOVED, old[i], None)
            i += 1
        elif i >= len(old) or sort_key(new[j].path) < sort_key(old[i].path):
            change = FileChange(new[j].path, Change.ADDED, None, new[j])
            j += 1
        else:
            a, b = old[i], new[j]
            i += 1
            j += 1
            if _same(a, b):
                continue
            change = FileChange(a.path, Change.CHANGED, a, b)
        counts[change.change] += 1
        if len(changes) < MAX_CHANGES:
            changes.append(change)
    return FilesDiff(changes, counts, truncated=sum(counts.values()) > len(changes))
