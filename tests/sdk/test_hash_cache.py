"""The SDK's hash cache is one SQLite file shared by every thread and process logging artifacts
(`~/.cache/lineage/hashes.sqlite3`): remembering a hash must not keep the file locked, or a
second `log_artifact` running meanwhile (another thread, another notebook) fails with
`sqlite3.OperationalError: database is locked` once the first waits on the network longer than
SQLite's busy timeout. The fault suite (tests/faults) found it: writers failed while a commit
waited for Neo4j to come back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lineage.hashing import HashCache


def test_a_remembered_hash_leaves_the_cache_writable_by_others(tmp_path: Path) -> None:
    database = tmp_path / "hashes.sqlite3"
    data = tmp_path / "data.bin"
    data.write_bytes(b"some bytes")
    with HashCache(database) as first:
        digest, _ = first.hash(data)  # hashed and remembered; `first` stays open (uploading)
        other = sqlite3.connect(str(database), timeout=0.2)
        try:
            other.execute(
                "INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?)", ("/x", 1, 1, 1, "0" * 64)
            )
            other.commit()
        finally:
            other.close()
        with HashCache(database) as second:
            assert second.lookup(data.resolve(), data.resolve().stat()) == digest
