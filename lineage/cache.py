"""The local download cache: verified blobs by sha256, bounded in total size.

Lives in `$LINEAGE_CACHE_DIR` or `~/.cache/lineage` (`blobs/ab/cd/<sha256>`), holds at most
`$LINEAGE_CACHE_MAX_BYTES` (default 20 GiB): after each download the least recently used blobs
are removed until it fits. A blob enters the cache only after its sha256 was checked, read-only.

A download folder never shares an inode with the cache: each file is an independent copy (a
copy-on-write reflink where the filesystem offers one, else a plain copy), so editing it cannot
change the cache. The copy is hashed as it is made and placed only if it matches the digest; an
entry that no longer does (edited in place through an old hard link, bit rot, a hand edit) is
dropped and fetched again. The cache never hands out bytes that do not match their sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
from pathlib import Path

DEFAULT_MAX_BYTES = 20 * 1024**3
COPY_CHUNK = 8 * 1024 * 1024
_FICLONE = 0x40049409
"""Linux `ioctl` cloning one file's blocks into another (btrfs, XFS, bcachefs, ...)."""


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
        """Move a verified scratch file into the cache, read-only so that nothing writes to it
        by accident (`place` still checks what it copies out)."""
        final = self.path_for(digest)
        temp.chmod(0o444)
        os.replace(temp, final)
        return final

    def discard(self, digest: str) -> None:
        """Drop an entry found not to match its digest, so the blob is fetched again."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(digest).unlink()

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


def place(source: Path, dest: Path, digest: str) -> bool:
    """Put an independent copy of cached blob `source` at `dest`, replacing what is there, if
    the copy hashes to `digest`; False, leaving `dest` as it was, if it does not.

    `dest` never shares an inode with `source`; a reflink shares blocks only until either side
    is written. A `dest` that already holds exactly these bytes is left alone.
    """
    if _holds(dest, digest, source):
        return True
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    try:
        actual = _reflink(source, temp) or _copy_hashing(source, temp)
        if actual != digest:
            return False
        os.replace(temp, dest)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def file_digest(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _holds(path: Path, digest: str, source: Path) -> bool:
    """Whether `path` is a file of its own (no link to `source`) holding exactly `digest`."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        stat, cached = path.stat(), source.stat()
        if (stat.st_dev, stat.st_ino) == (cached.st_dev, cached.st_ino):
            return False
        return stat.st_size == cached.st_size and file_digest(path) == digest
    except OSError:
        return False


def _reflink(source: Path, temp: Path) -> str | None:
    """Clone `source` into a new `temp` and return the clone's sha256; None if the platform or
    filesystem cannot clone (then `temp` is left for `_copy_hashing` to overwrite)."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    with source.open("rb") as src, temp.open("wb") as out:
        try:
            fcntl.ioctl(out.fileno(), _FICLONE, src.fileno())
        except OSError:
            return None
    return file_digest(temp)


def _copy_hashing(source: Path, temp: Path) -> str:
    """Copy `source` to `temp` in one pass, returning the sha256 of the bytes written."""
    hasher = hashlib.sha256()
    with source.open("rb") as src, temp.open("wb") as out:
        while chunk := src.read(COPY_CHUNK):
            hasher.update(chunk)
            out.write(chunk)
    return hasher.hexdigest()
