"""Token buckets shared by the worker processes of one `lineage serve --workers N`.

Each worker is its own process, so buckets in process memory would let a caller spend N times
its allowance (a keep-alive connection stays on one worker, a new one may land on another).
These live in a file that `serve` creates before it starts the workers and that each worker
maps into memory: a fixed table of slots, one per key by hash, each updated under a lock on
its own byte range (`lockf`), so two workers never interleave a read and a write of one bucket.

A slot holds the key's 64-bit fingerprint, its tokens and when they were counted
(CLOCK_MONOTONIC, which is system-wide on Linux, so the workers' clocks agree). Two keys that
hash to one slot take it from each other, and the newcomer starts with a full bucket: a
collision can only make the limit more lenient, never refuse a caller who is within it. With
`SLOTS` slots a server would need tens of thousands of keys active at once before that matters.

Replicas on other machines do not share this file; each enforces the limit on its own
(docs/production.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

KEYS_TABLE = "keys.table"
ADDRESSES_TABLE = "addresses.table"
"""The two tables in the directory `serve` hands its workers (LINEAGE_RATE_LIMIT_TABLES)."""

SLOTS = 1 << 17
_SLOT = struct.Struct("<Qdd")  # fingerprint, tokens, at
TABLE_BYTES = SLOTS * _SLOT.size


def create_tables(directory: Path) -> None:
    """Empty tables (every slot free) in `directory`, replacing any earlier ones."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in (KEYS_TABLE, ADDRESSES_TABLE):
        descriptor = os.open(directory / name, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(descriptor, TABLE_BYTES)
        finally:
            os.close(descriptor)


class SharedTokenBuckets:
    """`api.ratelimit.TokenBuckets`' `take`, over a table file several processes map."""

    def __init__(
        self, path: Path, per_minute: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._descriptor = os.open(path, os.O_RDWR)
        if os.fstat(self._descriptor).st_size < TABLE_BYTES:
            os.close(self._descriptor)
            raise ValueError(f"{path} is not a rate limit table (too small)")
        self._map = mmap.mmap(self._descriptor, TABLE_BYTES)

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str) -> float:
        """Spend one request of `key`'s allowance: 0.0 if allowed, else the seconds until the
        next request would be (nothing is spent then)."""
        if not self.enabled:
            return 0.0
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        fingerprint = int.from_bytes(digest, "little") | 1  # 0 marks a free slot
        offset = (fingerprint >> 1) % SLOTS * _SLOT.size
        capacity = float(self.per_minute)
        rate = self.per_minute / 60.0
        fcntl.lockf(self._descriptor, fcntl.LOCK_EX, _SLOT.size, offset)
        try:
            owner, tokens, at = cast(tuple[int, float, float], _SLOT.unpack_from(self._map, offset))
            now = self.clock()
            if owner != fingerprint:
                tokens, at = capacity, now
            tokens = min(capacity, tokens + max(0.0, now - at) * rate)
            if tokens >= 1.0:
                _SLOT.pack_into(self._map, offset, fingerprint, tokens - 1.0, now)
                return 0.0
            _SLOT.pack_into(self._map, offset, fingerprint, tokens, now)
            return (1.0 - tokens) / rate
        finally:
            fcntl.lockf(self._descriptor, fcntl.LOCK_UN, _SLOT.size, offset)

    def close(self) -> None:
        self._map.close()
        os.close(self._descriptor)
