"""Manifest pages: a version's entries read from its page blobs, through a per-store cache.

Owns the page cache and reading entries by position (`entries_slice`), by path (`entry_at`, a
binary search over the pages) or page by page (`read_page`, which the commit uses uncached for a
base version's pages). Pages are immutable and named by their sha256, so a parsed page can be
kept for as long as memory allows; the cache holds at most `CACHE_BYTES` of page bytes per blob
store (least recently used pages go first). Listing files at any offset of a 100k-entry version
reads one or two pages.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import weakref
from collections import OrderedDict

from graph.artifacts.manifests import ManifestEntry, decode_entry, sort_key
from graph.artifacts.records import ManifestLayout
from storage.base import BlobStore

CACHE_BYTES = 64 * 1024 * 1024


class PageCache:
    """Parsed pages by digest, bounded by the bytes they were parsed from."""

    def __init__(self, capacity: int = CACHE_BYTES) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[str, tuple[int, list[ManifestEntry]]] = OrderedDict()
        self._bytes = 0

    def get(self, digest: str) -> list[ManifestEntry] | None:
        hit = self._pages.get(digest)
        if hit is None:
            return None
        self._pages.move_to_end(digest)
        return hit[1]

    def put(self, digest: str, size: int, entries: list[ManifestEntry]) -> None:
        if size > self.capacity or digest in self._pages:
            return
        self._pages[digest] = (size, entries)
        self._bytes += size
        while self._bytes > self.capacity:
            _, (evicted, _) = self._pages.popitem(last=False)
            self._bytes -= evicted


_caches: weakref.WeakKeyDictionary[BlobStore, PageCache] = weakref.WeakKeyDictionary()


def _cache_for(blobs: BlobStore) -> PageCache:
    cache = _caches.get(blobs)
    if cache is None:
        cache = _caches[blobs] = PageCache()
    return cache


async def _read_bytes(blobs: BlobStore, digest: str) -> bytes:
    return b"".join([chunk async for chunk in blobs.open_read(digest)])


def _parse(data: bytes) -> list[ManifestEntry]:
    return [decode_entry(line) for line in data.splitlines() if line]


async def read_page(blobs: BlobStore, digest: str, *, cached: bool = True) -> list[ManifestEntry]:
    """The entries of one page blob (`BlobNotFound` if the store lost it)."""
    cache = _cache_for(blobs)
    hit = cache.get(digest) if cached else None
    if hit is not None:
        return hit
    data = await _read_bytes(blobs, digest)
    entries = await asyncio.to_thread(_parse, data) if len(data) > 256 * 1024 else _parse(data)
    if cached:
        cache.put(digest, len(data), entries)
    return entries


async def entries_slice(
    blobs: BlobStore, layout: ManifestLayout, offset: int, limit: int
) -> list[ManifestEntry]:
    """Entries `[offset, offset + limit)` of the version, in manifest order."""
    if limit <= 0 or offset >= layout.file_count:
        return []
    starts = list(itertools.accumulate(layout.page_counts, initial=0))
    page = bisect.bisect_right(starts, offset) - 1
    skip = offset - starts[page]
    result: list[ManifestEntry] = []
    while page < len(layout.page_digests) and len(result) < limit:
        entries = await read_page(blobs, layout.page_digests[page])
        result.extend(entries[skip : skip + limit - len(result)])
        skip = 0
        page += 1
    return result


async def entry_at(blobs: BlobStore, layout: ManifestLayout, path: str) -> ManifestEntry | None:
    """The entry at exactly `path`, or None. Pages hold entries in canonical order (`sort_key`),
    so this reads about log2(pages) pages, each through the page cache."""
    key = sort_key(path)
    low, high = 0, len(layout.page_digests) - 1
    while low <= high:
        middle = (low + high) // 2
        entries = await read_page(blobs, layout.page_digests[middle])
        if not entries or key < sort_key(entries[0].path):
            high = middle - 1
        elif key > sort_key(entries[-1].path):
            low = middle + 1
        else:
            index = bisect.bisect_left(entries, key, key=lambda entry: sort_key(entry.path))
            found = entries[index] if index < len(entries) else None
            return found if found is not None and found.path == path else None
    return None
