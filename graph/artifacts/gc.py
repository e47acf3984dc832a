"""Garbage collection of blobs: delete a blob only when no committed version and no draft holds it.

A `(:Blob)` is a candidate once something stopped using it (a version deleted or expired, a draft
discarded, a base blob dropped by an incremental version). Collection runs in two transactions
per batch, each taking the blobs' write locks, which every draft and commit also take before they
link to a blob:

1. *mark*: under the lock, a candidate still used by a PENDING or COMMITTED version stops being a
   candidate; an unused one gets `stored = false`, so from now on any draft that links to it is
   told to upload it again and any commit verifies it in the store.
2. *delete*: under the lock again, a candidate that is still unused and still `stored = false`
   has its object deleted from the store and then its node, before the lock is released.

So a commit reusing a blob either linked it first (GC keeps it) or sees `stored = false` and
checks the store, failing with MISSING_BLOB rather than committing a version without its bytes.
A crash between the store delete and the node delete leaves `stored = false`, which is safe.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import LiteralString, Protocol

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.retry import write_retrying
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now


class BlobDeleter(Protocol):
    """The part of a blob store GC needs (any `storage.BlobStore` is one)."""

    async def delete(self, digest: str) -> None: ...


@dataclass(frozen=True)
class GcReport:
    released_links: int
    examined: int
    deleted: list[str]


RELEASE_DELETED_LINKS: LiteralString = """
MATCH (v:ArtifactVersion {state: 'DELETED'})-[r:HAS_BLOB|HAS_MANIFEST]->(b:Blob)
WITH r, b LIMIT $limit
SET b.gc_candidate = true
DELETE r
RETURN count(r) AS released
"""

CANDIDATES: LiteralString = """
MATCH (b:Blob)
WHERE b.gc_candidate = true AND b.digest > $after
RETURN b.digest AS digest
ORDER BY digest
LIMIT $limit
"""

CANDIDATES_AMONG: LiteralString = """
UNWIND $digests AS digest
MATCH (b:Blob {digest: digest})
WHERE b.gc_candidate = true
RETURN b.digest AS digest
ORDER BY digest
"""

_USED: LiteralString = """EXISTS {
  MATCH (b)<-[:HAS_BLOB|HAS_MANIFEST]-(v:ArtifactVersion)
  WHERE v.state IN ['PENDING', 'COMMITTED']
}"""

MARK: LiteralString = (
    """
UNWIND $digests AS digest
MATCH (b:Blob {digest: digest})
SET b._gc = coalesce(b._gc, 0) + 1
WITH b, """
    + _USED
    + """ AS used
SET b.gc_candidate = CASE WHEN used THEN null ELSE true END,
    b.stored = CASE WHEN used THEN b.stored ELSE false END,
    b.gc_marked_at = CASE WHEN used THEN b.gc_marked_at ELSE $now END
RETURN b.digest AS digest, used
"""
)

LOCK_DELETABLE: LiteralString = (
    """
UNWIND $digests AS digest
MATCH (b:Blob {digest: digest})
SET b._gc = coalesce(b._gc, 0) + 1
WITH b
WHERE b.gc_candidate = true AND NOT coalesce(b.stored, false) AND NOT """
    + _USED
    + """
RETURN b.digest AS digest
"""
)

DELETE_NODES: LiteralString = """
UNWIND $digests AS digest
MATCH (b:Blob {digest: digest})
DETACH DELETE b
"""


async def _mark_tx(tx: AsyncManagedTransaction, digests: list[str]) -> list[str]:
    rows = [r.data() async for r in await tx.run(MARK, digests=digests, now=now())]
    return sorted(row["digest"] for row in rows if not row["used"])


async def _delete_tx(
    tx: AsyncManagedTransaction, digests: list[str], store: BlobDeleter
) -> list[str]:
    rows = [r.data() async for r in await tx.run(LOCK_DELETABLE, digests=digests)]
    doomed = sorted(row["digest"] for row in rows)
    # The store objects go first, while this transaction still holds the blobs' locks.
    await asyncio.gather(*(store.delete(digest) for digest in doomed))
    await tx.run(DELETE_NODES, digests=doomed)
    return doomed


async def release_deleted_links(graph: Graph, *, batch: int = 10_000) -> int:
    """Unlink blobs from deleted versions, making them candidates; return how many links."""
    released = 0
    while True:
        row = await graph.write(fetch_one, RELEASE_DELETED_LINKS, limit=batch)
        count = int(row["released"]) if row else 0
        released += count
        if count < batch:
            return released


async def collect_garbage(
    graph: Graph,
    store: BlobDeleter,
    *,
    digests: list[str] | None = None,
    batch: int = 100,
) -> GcReport:
    """Delete every unused candidate blob from the store and the graph (see the module doc).

    `digests` limits the run to those blobs (still only if they are unused candidates).
    Returns the links released from deleted versions, the candidates examined and those deleted.
    """
    released = await release_deleted_links(graph)
    examined = 0
    deleted: list[str] = []
    after = ""
    while True:
        if digests is not None:
            rows = await graph.read(fetch_all, CANDIDATES_AMONG, digests=sorted(set(digests)))
        else:
            rows = await graph.read(fetch_all, CANDIDATES, after=after, limit=batch)
        candidates = [row["digest"] for row in rows]
        if not candidates:
            break
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            examined += len(chunk)
            unused = await write_retrying(graph, _mark_tx, chunk)
            if unused:
                deleted += await write_retrying(graph, _delete_tx, unused, store)
        if digests is not None or len(candidates) < batch:
            break
        after = candidates[-1]
    return GcReport(released_links=released, examined=examined, deleted=deleted)
