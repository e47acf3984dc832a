"""Building a manifest in bounded memory: canonical bytes, the version digest, and its pages.

Entries arrive in canonical order (checked here) and are written to a spooled temporary file:
kept in memory up to `max_memory` bytes, on disk beyond. While writing, the spool hashes the whole
manifest (the version digest) and cuts the entry lines into pages, each later stored as its own
blob so that listing the files of a 100k-entry version reads one small page, not the manifest.

Page boundaries depend only on the paths (a boundary follows an entry whose path hash is 0 mod
1024, with pages of 128 to 4096 entries), so versions that share a run of paths share its pages.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

from graph.artifacts.manifests import (
    HEADER,
    ManifestEntry,
    check_count,
    check_next,
    decode_entry,
    encode_entry,
)

PAGE_MIN_ENTRIES = 128
PAGE_MAX_ENTRIES = 4096
_BOUNDARY_MODULUS = 1024
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SpooledPage:
    """Entry lines `[start, end)` of the spool: one page blob of `count` entries."""

    digest: str
    size: int
    count: int
    start: int
    end: int


def _is_boundary(path: str) -> bool:
    head = hashlib.sha256(path.encode("utf-8")).digest()[:4]
    return int.from_bytes(head, "big") % _BOUNDARY_MODULUS == 0


class ManifestSpool:
    """Accumulates entries; after `finish()`, `digest`, `pages`, `count`, `size` are final."""

    def __init__(self, max_memory: int = 16 * 1024 * 1024) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=max_memory)  # noqa: SIM115
        self._hasher = hashlib.sha256()
        self._page_hasher = hashlib.sha256()
        self._page_start = 0
        self._page_count = 0
        self._offset = 0
        self._last: str | None = None
        self._write(HEADER.encode("utf-8"))
        self._entries_start = self._offset
        self._page_start = self._offset
        self.pages: list[SpooledPage] = []
        self.count = 0
        self.size = 0
        self.digest = ""

    def __enter__(self) -> ManifestSpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    @property
    def manifest_size(self) -> int:
        """Bytes of the whole manifest, header included."""
        return self._offset

    def add(self, entry: ManifestEntry) -> None:
        """Append the next entry; INVALID_PATH if it is out of order or clashes."""
        check_next(self._last, entry.path)
        self._last = entry.path
        self.count += 1
        if self.count % 65536 == 0:
            check_count(self.count)
        if entry.size is not None:
            self.size += entry.size
        line = encode_entry(entry).encode("utf-8")
        self._write(line)
        self._page_hasher.update(line)
        self._page_count += 1
        if self._page_count >= PAGE_MAX_ENTRIES or (
            self._page_count >= PAGE_MIN_ENTRIES and _is_boundary(entry.path)
        ):
            self._cut_page()

    def finish(self) -> str:
        """Close the last page and return the version digest (sha256 of the manifest)."""
        check_count(self.count)
        if self._page_count:
            self._cut_page()
        self.digest = self._hasher.hexdigest()
        return self.digest

    def read_range(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes `[start, end)` of the manifest in chunks of at most 1 MiB."""
        position = start
        while position < end:
            self._file.seek(position)
            chunk = self._file.read(min(READ_CHUNK, end - position))
            if not chunk:
                break
            position += len(chunk)
            yield chunk

    def manifest_bytes(self) -> Iterator[bytes]:
        return self.read_range(0, self._offset)

    def entries(self) -> Iterator[ManifestEntry]:
        """Read the entries back, in order."""
        self._file.seek(self._entries_start)
        position = self._entries_start
        while position < self._offset:
            self._file.seek(position)
            line = self._file.readline()
            position += len(line)
            yield decode_entry(line)

    def _write(self, data: bytes) -> None:
        self._file.seek(self._offset)
        self._file.write(data)
        self._hasher.update(data)
        self._offset += len(data)

    def _cut_page(self) -> None:
        self.pages.append(
            SpooledPage(
                digest=self._page_hasher.hexdigest(),
                size=self._offset - self._page_start,
                count=self._page_count,
                start=self._page_start,
                end=self._offset,
            )
        )
        self._page_hasher = hashlib.sha256()
        self._page_start = self._offset
        self._page_count = 0
