"""Drafts: PENDING ArtifactVersion nodes that collect a manifest before commit turns them into vN.

A draft is invisible to every lookup. Its entries arrive in one or more batches, each kept as a
`(:DraftPart {seq, entries})` node (canonical lines, at most one request's worth) until commit;
batches must follow each other in path order, so the parts read in sequence are the sorted draft.
Each blob entry links the draft to its `(:Blob {digest})` node with the declared size on the edge,
which protects the blob from garbage collection for the draft's lifetime. A draft not committed
within `DRAFT_TTL` is deleted by the sweeper.

Dedup stays inside the organisation: the edge is `verified` (no upload needed) only when a
version of the same organisation (committed, or deleted but not yet released by garbage
collection), or a draft of it whose upload was verified, already holds the stored blob. Any
other blob must be uploaded by this draft, whether or not another organisation stored it, and
nothing answered here depends on that: knowing a digest is not owning the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.manifests import DraftLine, ManifestEntry, check_order, encode_draft_line
from graph.core.driver import Graph
from graph.core.errors import NotFound, SizeMismatch
from graph.core.retry import write_retrying
from graph.core.tx import fetch_one
from graph.core.values import native_datetime, new_id, now

DRAFT_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class DraftSpec:
    """What a draft will become: validated by the caller before `create_draft`."""

    org: str
    project: str
    name: str
    type: str
    artifact_description: str | None
    description: str | None
    metadata: str
    tags: list[str]
    aliases: list[str]
    ttl_seconds: int | None
    run_id: str | None
    base_version_id: str | None
    actor: str


@dataclass(frozen=True)
class DraftRecord:
    id: str
    state: str
    org: str
    project: str
    name: str
    type: str
    base_version_id: str | None
    part_count: int
    entry_count: int
    ttl_seconds: int | None
    run_id: str | None
    aliases: list[str]
    expires_at: datetime | None


@dataclass(frozen=True)
class BlobNeed:
    """A blob this draft must upload: its organisation holds no verified copy."""

    digest: str
    size: int


DRAFT_FIELDS: LiteralString = """d {.id, .state, .org_name, .project_name, .artifact_name,
  .artifact_type, .base_version_id, .part_count, .entry_count, .requested_ttl_seconds, .run_id,
  .aliases_on_commit, .draft_expires_at}"""

CREATE_DRAFT: LiteralString = """
CREATE (d:ArtifactVersion {
  id: $id, state: 'PENDING', org_name: $org, project_name: $project, artifact_name: $name,
  artifact_type: $type, artifact_description: $artifact_description, description: $description,
  metadata: $metadata, tags: $tags, aliases_on_commit: $aliases,
  requested_ttl_seconds: $ttl_seconds, run_id: $run_id, base_version_id: $base_version_id,
  created_at: $now, created_by: $actor, draft_expires_at: $expires_at,
  part_count: 0, entry_count: 0
})
RETURN d.id AS id
"""

COPY_BASE_BLOBS: LiteralString = """
MATCH (base:ArtifactVersion {id: $base_version_id})-[r:HAS_BLOB]->(b:Blob)
MATCH (d:ArtifactVersion {id: $id})
MERGE (d)-[c:HAS_BLOB]->(b)
ON CREATE SET c.size = r.size, c.verified = coalesce(b.stored, false)
"""

LOCK_DRAFT: LiteralString = (
    """
MATCH (d:ArtifactVersion {id: $id})
WHERE d.state = 'PENDING'
SET d._lock = coalesce(d._lock, 0) + 1
WITH d WHERE d.state = 'PENDING'  // again once locked: a discard may have won the lock
RETURN d.last_path AS last_path, """
    + DRAFT_FIELDS
    + " AS draft"
)

ADD_PART: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})
CREATE (d)-[:HAS_DRAFT_PART]->(:DraftPart {
  seq: d.part_count, entries: $entries, count: $count, first_path: $first, last_path: $last
})
SET d.part_count = d.part_count + 1, d.entry_count = d.entry_count + $count, d.last_path = $last
"""

LINK_BLOBS: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})
UNWIND $blobs AS blob
MERGE (b:Blob {digest: blob.digest})
  ON CREATE SET b.size = blob.size, b.stored = false, b.created_at = $now
SET b.referenced_at = $now
MERGE (d)-[r:HAS_BLOB]->(b)
  ON CREATE SET r.size = blob.size
WITH d, b, r, blob, coalesce(b.stored, false) AND EXISTS {
  MATCH (b)<-[o:HAS_BLOB]-(v:ArtifactVersion)
  WHERE v.org_name = d.org_name AND v <> d AND (v.state <> 'PENDING' OR o.verified = true)
} AS owned
SET r.verified = coalesce(r.verified, false) OR (owned AND r.size = b.size)
RETURN blob.digest AS digest, blob.size AS size, r.size AS declared, owned,
       b.size AS stored_size, r.verified AS verified
"""

DRAFT_BY_ID: LiteralString = (
    "MATCH (d:ArtifactVersion {id: $id}) WHERE d.state = 'PENDING' RETURN "
    + DRAFT_FIELDS
    + " AS draft"
)

DRAFT_PART: LiteralString = """
MATCH (:ArtifactVersion {id: $id})-[:HAS_DRAFT_PART]->(p:DraftPart {seq: $seq})
RETURN p.entries AS entries
"""

RUN_IN_ORG: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (r:Run {id: $run_id})
WHERE r.org_id = o.id
RETURN r.id AS id
"""

DELETE_DRAFT: LiteralString = """
MATCH (d:ArtifactVersion {id: $id})
WHERE d.state = 'PENDING'
CALL (d) {
  MATCH (d)-[:HAS_BLOB|HAS_MANIFEST]->(b:Blob)
  SET b.gc_candidate = true
}
CALL (d) {
  MATCH (d)-[:HAS_DRAFT_PART]->(p:DraftPart)
  DETACH DELETE p
}
DETACH DELETE d
RETURN count(*) AS deleted
"""


def _draft(row: dict[str, Any]) -> DraftRecord:
    return DraftRecord(
        id=row["id"],
        state=row["state"],
        org=row["org_name"],
        project=row["project_name"],
        name=row["artifact_name"],
        type=row["artifact_type"],
        base_version_id=row.get("base_version_id"),
        part_count=int(row.get("part_count") or 0),
        entry_count=int(row.get("entry_count") or 0),
        ttl_seconds=row.get("requested_ttl_seconds"),
        run_id=row.get("run_id"),
        aliases=list(row.get("aliases_on_commit") or []),
        expires_at=native_datetime(row.get("draft_expires_at")),
    )


async def _create_tx(
    tx: AsyncManagedTransaction,
    spec: DraftSpec,
    draft_id: str,
    batch: list[DraftLine],
    blobs: list[dict[str, Any]],
) -> list[BlobNeed]:
    at = now()
    await tx.run(
        CREATE_DRAFT,
        id=draft_id,
        org=spec.org,
        project=spec.project,
        name=spec.name,
        type=spec.type,
        artifact_description=spec.artifact_description,
        description=spec.description,
        metadata=spec.metadata,
        tags=spec.tags,
        aliases=spec.aliases,
        ttl_seconds=spec.ttl_seconds,
        run_id=spec.run_id,
        base_version_id=spec.base_version_id,
        actor=spec.actor,
        now=at,
        expires_at=at + DRAFT_TTL,
    )
    if spec.base_version_id is not None:
        await tx.run(COPY_BASE_BLOBS, id=draft_id, base_version_id=spec.base_version_id)
    _, needs = await _append_tx(tx, draft_id, batch, blobs)
    return needs


async def create_draft(
    graph: Graph, spec: DraftSpec, batch: list[DraftLine]
) -> tuple[str, list[BlobNeed]]:
    """Create a draft holding its first batch (validated and sorted) in one transaction.

    The base version's blob links are copied, so its blobs stay protected while the draft lives.
    Returns the draft id and the blobs the client must upload.
    """
    draft_id = new_id()
    needs = await write_retrying(graph, _create_tx, spec, draft_id, batch, _blobs_of(batch))
    return draft_id, needs


async def run_in_organization(graph: Graph, run_id: str, org: str) -> bool:
    """Whether a run with this id exists in the organisation."""
    row = await graph.read(fetch_one, RUN_IN_ORG, run_id=run_id, org=org)
    return row is not None


def _blobs_of(batch: list[DraftLine]) -> list[dict[str, Any]]:
    """Distinct blob digests of a batch, sorted (a stable lock order); SIZE_MISMATCH when one
    digest is declared with two sizes."""
    sizes: dict[str, int] = {}
    for line in batch:
        if isinstance(line, ManifestEntry) and line.ref is None:
            assert line.digest is not None and line.size is not None
            known = sizes.setdefault(line.digest, line.size)
            if known != line.size:
                raise SizeMismatch(
                    f"Blob {line.digest} declared with sizes {known} and {line.size}",
                    field="size",
                )
    return [{"digest": d, "size": sizes[d]} for d in sorted(sizes)]


async def _append_tx(
    tx: AsyncManagedTransaction, draft_id: str, batch: list[DraftLine], blobs: list[dict[str, Any]]
) -> tuple[DraftRecord, list[BlobNeed]]:
    record = await (await tx.run(LOCK_DRAFT, id=draft_id)).single()
    if record is None:
        raise NotFound("Draft not found (committed, discarded or expired)", field="draftId")
    check_order(batch, record["last_path"])
    if batch:
        await tx.run(
            ADD_PART,
            id=draft_id,
            entries="".join(encode_draft_line(line) for line in batch),
            count=len(batch),
            first=batch[0].path,
            last=batch[-1].path,
        )
    needs: list[BlobNeed] = []
    if blobs:
        rows = [
            r.data() async for r in await tx.run(LINK_BLOBS, id=draft_id, blobs=blobs, now=now())
        ]
        for row in rows:
            if row["declared"] != row["size"]:
                raise SizeMismatch(
                    f"Blob {row['digest']} declared with size {row['size']}, "
                    f"earlier in this draft with {row['declared']}",
                    field="size",
                )
            if row["owned"] and row["stored_size"] != row["size"]:  # the organisation's own
                raise SizeMismatch(
                    f"Blob {row['digest']} is stored with size {row['stored_size']}, "
                    f"not {row['size']}",
                    field="size",
                )
            if not row["verified"]:
                needs.append(BlobNeed(row["digest"], row["size"]))
    draft = _draft(record["draft"])
    return draft, needs


async def append_entries(
    graph: Graph, draft_id: str, batch: list[DraftLine]
) -> tuple[DraftRecord, list[BlobNeed]]:
    """Add a batch (already validated and sorted) to the draft, in one transaction.

    INVALID_PATH when the batch does not come after the previous one in path order, SIZE_MISMATCH
    when a blob's declared size contradicts the draft or a blob the organisation holds, NOT_FOUND
    when the draft is no longer pending. Returns the draft as it was before the batch, and the
    blobs to upload (see the module doc: every blob the organisation holds no verified copy of).
    """
    return await write_retrying(graph, _append_tx, draft_id, batch, _blobs_of(batch))


async def draft_by_id(graph: Graph, draft_id: str) -> DraftRecord | None:
    row = await graph.read(fetch_one, DRAFT_BY_ID, id=draft_id)
    return None if row is None else _draft(row["draft"])


async def require_draft(graph: Graph, draft_id: str) -> DraftRecord:
    draft = await draft_by_id(graph, draft_id)
    if draft is None:
        raise NotFound("Draft not found (committed, discarded or expired)", field="draftId")
    return draft


async def draft_part(graph: Graph, draft_id: str, seq: int) -> str:
    """The canonical lines of batch `seq` (at most one request's worth of entries)."""
    row = await graph.read(fetch_one, DRAFT_PART, id=draft_id, seq=seq)
    if row is None:
        raise NotFound("Draft part not found", field="draftId")
    return str(row["entries"])


async def delete_draft(graph: Graph, draft_id: str) -> bool:
    """Discard a pending draft and its parts; its blobs become garbage candidates."""
    row = await write_retrying(graph, fetch_one, DELETE_DRAFT, id=draft_id)
    return bool(row and row["deleted"])
