"""Hashing local files for a manifest, and the manifest's canonical form (format version 1).

Files are hashed with sha256 in 8 MiB chunks (hashlib releases the GIL, so threads hash in
parallel). A small SQLite table remembers `(path, size, mtime, inode) -> sha256`, so re-logging
files that did not change reads none of their bytes. Each remembered hash is committed at once,
so the file is never left locked while a `log_artifact` waits on the network: every thread and
process logging on the machine shares it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

CHUNK_SIZE = 8 * 1024 * 1024
MANIFEST_HEADER = json.dumps({"format": "lineage.manifest", "version": 1}, separators=(",", ":"))


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex sha256, size) of a file, read in 8 MiB chunks."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


class HashCache:
    """`(absolute path, size, mtime_ns, inode) -> sha256`, persisted in one SQLite file.

    Thread-safe. A file whose size, modification time or inode changed is hashed again.
    """

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            # A cache: a row lost in a power cut is hashed again, so commits need no fsync
            # (~0.1 ms each instead of several), which makes committing every row cheap.
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, inode INTEGER, digest TEXT)"
            )
            self._db.commit()

    def __enter__(self) -> HashCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.commit()
                self._db.close()
                self._db = None

    def lookup(self, path: Path, stat: os.stat_result) -> str | None:
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT digest FROM hashes WHERE path = ? AND size = ? AND mtime_ns = ? "
                "AND inode = ?",
                (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino),
            ).fetchone()
        return None if row is None else str(row[0])

    def remember(self, path: Path, stat: os.stat_result, digest: str) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?)",
                (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino, digest),
            )
            self._db.commit()

    def hash(self, path: Path) -> tuple[str, int]:
        """(sha256, size) of the file, from the cache when it has not changed."""
        absolute = path.resolve()
        before = absolute.stat()
        cached = self.lookup(absolute, before)
        if cached is not None:
            return cached, before.st_size
        digest, size = sha256_file(absolute)
        after = absolute.stat()
        if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
            self.remember(absolute, after, digest)
        return digest, size


def sort_key(path: str) -> str:
    """The manifest order: by path, with `/` before every other character."""
    return path.replace("/", "\x00")


def entry_line(entry: Mapping[str, Any]) -> str:
    """The canonical manifest line of one entry (non-null fields, keys sorted, compact)."""
    fields = {
        "path": entry["path"],
        "digest": entry.get("digest"),
        "size": entry.get("size"),
        "ref": entry.get("ref"),
        "etag": entry.get("etag"),
        "version_id": entry.get("versionId"),
    }
    data = {key: value for key, value in fields.items() if value is not None}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def manifest_digest(entries: Iterable[Mapping[str, Any]]) -> str:
    """The version digest the server will compute for these entries (sorted by `sort_key`)."""
    hasher = hashlib.sha256((MANIFEST_HEADER + "\n").encode())
    for entry in entries:
        hasher.update((entry_line(entry) + "\n").encode())
    return hasher.hexdigest()
