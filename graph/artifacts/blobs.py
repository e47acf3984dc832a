"""The blobs of a draft: which still need verifying, confirming uploads, manifest blobs.

A draft's blob edge is `verified` once the draft's organisation is known to hold the bytes: it
held them already (graph.artifacts.drafts), or this draft's own upload was claimed from its
staging area (workflows.verification). The blob's mere presence in the shared store never counts,
since another organisation may have put it there. A blob linked to a pending draft is never
collected (graph.artifacts.gc), so a verification is recorded right away, with `stored = true`:
the commit then trusts it instead of asking the store again. Confirming uploads while they
happen keeps a large commit from spending minutes on per-blob checks at the end.
"""

from __future__ import annotations

from typing import LiteralString

from graph.artifacts.drafts import BlobNeed
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.retry import write_retrying
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now

UNVERIFIED_BLOBS: LiteralString = """
MATCH (:ArtifactVersion {id: $id})-[r:HAS_BLOB]->(b:Blob)
WHERE NOT coalesce(r.verified, false)
RETURN b.digest AS digest, r.size AS size
ORDER BY digest
"""

HAS_BLOB_OF_DRAFT: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})-[r:HAS_BLOB]->(:Blob {digest: $digest})
WHERE d.state = 'PENDING'
RETURN d.org_name AS org, r.size AS size
"""

LINK_MANIFEST_BLOBS: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})
WHERE d.state = 'PENDING'
UNWIND $blobs AS blob
MERGE (b:Blob {digest: blob.digest})
  ON CREATE SET b.size = blob.size, b.stored = false, b.created_at = $now
SET b.referenced_at = $now
MERGE (d)-[:HAS_MANIFEST]->(b)
RETURN blob.digest AS digest, coalesce(b.stored, false) AS stored
"""

DRAFT_BLOBS_AMONG: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})-[r:HAS_BLOB]->(b:Blob)
WHERE d.state = 'PENDING' AND b.digest IN $digests
RETURN b.digest AS digest, r.size AS size, coalesce(r.verified, false) AS verified
"""

MARK_VERIFIED: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})-[r:HAS_BLOB]->(b:Blob)
WHERE d.state = 'PENDING' AND b.digest IN $digests AND NOT coalesce(r.verified, false)
SET r.verified = true, b.stored = true, b.size = r.size
RETURN count(b) AS marked
"""


async def unverified_blobs(graph: Graph, draft_id: str) -> list[BlobNeed]:
    """The draft's blobs it must still prove it uploaded, with their declared sizes."""
    rows = await graph.read(fetch_all, UNVERIFIED_BLOBS, id=draft_id)
    return [BlobNeed(row["digest"], int(row["size"])) for row in rows]


async def draft_blob(graph: Graph, draft_id: str, digest: str) -> tuple[str, int] | None:
    """(organisation, declared size) when the pending draft holds blob `digest`, else None."""
    row = await graph.read(fetch_one, HAS_BLOB_OF_DRAFT, id=draft_id, digest=digest)
    return None if row is None else (str(row["org"]), int(row["size"]))


async def link_manifest_blobs(
    graph: Graph, draft_id: str, blobs: list[tuple[str, int]]
) -> dict[str, bool]:
    """Protect the manifest and page blobs about to be written; digest -> already stored."""
    params = [{"digest": d, "size": s} for d, s in sorted(set(blobs))]
    rows = await write_retrying(
        graph, fetch_all, LINK_MANIFEST_BLOBS, id=draft_id, blobs=params, now=now()
    )
    if params and not rows:
        raise NotFound("Draft not found (committed, discarded or expired)", field="draftId")
    return {row["digest"]: bool(row["stored"]) for row in rows}


async def draft_blobs_among(
    graph: Graph, draft_id: str, digests: list[str]
) -> list[tuple[BlobNeed, bool]]:
    """The draft's blobs among `digests`: (digest and declared size, already verified)."""
    rows = await graph.read(fetch_all, DRAFT_BLOBS_AMONG, id=draft_id, digests=digests)
    return [(BlobNeed(row["digest"], int(row["size"])), bool(row["verified"])) for row in rows]


async def mark_verified(graph: Graph, draft_id: str, digests: list[str]) -> int:
    """Record that the draft uploaded these blobs and the store now holds them (checked by the
    caller, who claimed them from the draft's staging area)."""
    row = await write_retrying(graph, fetch_one, MARK_VERIFIED, id=draft_id, digests=digests)
    return int(row["marked"]) if row else 0
