"""The local download cache: verified blobs by sha256, bounded in total size.

Lives in `$LINEAGE_CACHE_DIR` or `~/.cache/lineage` (`blobs/ab/cd/<sha256>`), holds at most
`$LINEAGE_CACHE_MAX_BYTES` (default 20 GiB): after each download the least recently used blobs
are removed until it fits. A blob enters the cache only after its sha256 was checked, and
reaches a download folder as a read-only hard link when the filesystem allows, else as a copy
(or always as a writable copy when asked).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import threading
from pathlib import Path

DEFAULT_MAX_BYTES = 20 * 1024**3


def cache_root() -> Path:
    configured = os.environ.get("LINEAGE_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "lineage"


def _max_bytes() -> int:
    raw = os.environ.get("LINEAGE_CACHE_MAX_BYTES")
    return int(raw) if raw else DEFAULT_MAX_BYTES


class BlobCache:
    """Verified blobs on local disk; safe for concurrent threads and processes (atomic renames)."""

    def __init__(self, root: Path | None = None, max_bytes: int | None = None) -> None:
        self.root = (root or cache_root()).resolve()
        self.blobs = self.root / "blobs"
        self.max_bytes = _max_bytes() if max_bytes is None else max_bytes
        self._lock = threading.Lock()
        self.blobs.mkdir(parents=True, exist_ok=True)

    def path_for(self, digest: str) -> Path:
        return self.blobs / digest[0:2] / digest[2:4] / digest

    def temp_path(self, digest: str) -> Path:
        """A unique scratch file beside where the blob will live (same filesystem)."""
        final = self.path_for(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.with_name(f".{digest}.{secrets.token_hex(6)}.part")

    def get(self, digest: str, size: int | None = None) -> Path | None:
        """The cached blob (marked as just used), or None."""
        path = self.path_for(digest)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        if size is not None and stat.st_size != size:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return path

    def adopt(self, temp: Path, digest: str) -> Path:
        """Move a verified scratch file into the cache, read-only: download folders may share
        its inode, and an edit there must not change what the cache hands out next."""
        final = self.path_for(digest)
        temp.chmod(0o444)
        os.replace(temp, final)
        return final

    def evict(self, keep: set[str] | None = None) -> int:
        """Remove least recently used blobs until the cache fits; return bytes freed."""
        with self._lock:
            entries = []
            total = 0
            for path in self.blobs.glob("*/*/*"):
                if path.name.startswith("."):
                    continue
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    entries.append((stat.st_mtime, stat.st_size, path))
                    total += stat.st_size
            freed = 0
            for _, size, path in sorted(entries):
                if total - freed <= self.max_bytes:
                    break
                if keep and path.name in keep:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    freed += size
            return freed


def place(source: Path, dest: Path, *, copy: bool = False) -> None:
    """Put `source`'s bytes at `dest` (hard link unless `copy` or impossible), replacing it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    try:
        linked = False
        if not copy:
            try:
                os.link(source, temp)
                linked = True
            except OSError:
                linked = False
        if not linked:
            shutil.copyfile(source, temp)
            temp.chmod(0o644)
        os.replace(temp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
