"""Commit: turn a verified draft into the artifact's next version, or into an existing one.

One transaction does it all, holding the artifact's write lock (`a._lock`), so concurrent commits
to one artifact (from any number of API processes) take `v0, v1, ...` in turn with no gap and no
duplicate; the (artifact_id, index) constraint backs that up. Under the lock the digest is checked
again: a committed version with the same manifest digest is returned instead and the draft is
deleted (workflows.commit then records the draft's run as a producer of that version too). Aliases,
the producing run, the TTL and an audit event are written in the same transaction, so a version
never exists without them, and a new version is never created while one of its blobs is
unverified (not proven uploaded by its organisation, see graph.artifacts.blobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.aliases import point_alias_tx, refresh_latest_tx
from graph.artifacts.drafts import DELETE_DRAFT
from graph.artifacts.events import EdgeKey, record_edge_events_tx, record_version_created_tx
from graph.artifacts.records import VERSION_FIELDS, VersionRecord, version_record
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import Conflict, MissingBlob, NotFound
from graph.core.retry import write_retrying
from graph.core.values import new_id, now


@dataclass(frozen=True)
class BuiltManifest:
    """The manifest commit computed from the draft (and its base), already in the store."""

    digest: str
    size: int
    file_count: int
    manifest_size: int
    page_digests: list[str]
    page_counts: list[int]
    stale_digests: list[str]
    part_count: int


class NotCommitted(Exception):
    """Raised (rolling the transaction back) when a commit that may only deduplicate cannot."""


@dataclass(frozen=True)
class CommitResult:
    version: VersionRecord
    created: bool


ENSURE_ARTIFACT: LiteralString = """
MATCH (d:ArtifactVersion {id: $draft_id})
WHERE d.state = 'PENDING'
SET d._lock = coalesce(d._lock, 0) + 1
// again once locked: a discard or deletion may have won the lock while this waited
WITH d WHERE d.state = 'PENDING'
MERGE (o:Organization {name: d.org_name})
  ON CREATE SET o.id = $org_id, o.created_at = $now
MERGE (p:Project {org_id: o.id, name: d.project_name})
  ON CREATE SET p.id = $project_id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
MERGE (a:Artifact {project_id: p.id, name: d.artifact_name})
  ON CREATE SET a.id = $artifact_id, a.org_id = o.id, a.org_name = o.name,
    a.project_name = p.name, a.type = d.artifact_type, a.description = d.artifact_description,
    a.tags = [], a.next_index = 0, a.created_at = $now
MERGE (p)-[:HAS_ARTIFACT]->(a)
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.id AS artifact_id, a.type AS type, d.artifact_type AS wanted_type, o.id AS org_id,
       o.default_ttl_seconds AS default_ttl, p.id AS project_id, d.part_count AS part_count,
       d.requested_ttl_seconds AS ttl, d.run_id AS run_id, d.aliases_on_commit AS aliases
"""

EXISTING_BY_DIGEST: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.digest = $digest AND v.state = 'COMMITTED'
RETURN v.id AS id
"""

NEW_VERSION: LiteralString = """
MATCH (a:Artifact {id: $artifact_id}), (d:ArtifactVersion {id: $draft_id})
SET d.index = a.next_index, a.next_index = a.next_index + 1,
    d.state = 'COMMITTED', d.artifact_id = a.id, d.artifact_type = a.type,
    d.project_id = a.project_id, d.org_id = a.org_id, d.digest = $digest, d.size = $size,
    d.file_count = $file_count, d.manifest_digest = $digest, d.manifest_size = $manifest_size,
    d.page_digests = $page_digests, d.page_counts = $page_counts, d.created_at = $now,
    d.ttl_seconds = $ttl_seconds, d.expires_at = $expires_at
REMOVE d.draft_expires_at, d.last_path, d.part_count, d.entry_count, d.requested_ttl_seconds,
       d.aliases_on_commit, d.artifact_description, d.run_id
CREATE (a)-[:HAS_VERSION]->(d)
WITH d
CALL (d) {
  MATCH (d)-[:HAS_DRAFT_PART]->(p:DraftPart)
  DETACH DELETE p
}
RETURN d.index AS index
"""

PRUNE_STALE_BLOBS: LiteralString = """
MATCH (:ArtifactVersion {id: $draft_id})-[r:HAS_BLOB]->(b:Blob)
WHERE b.digest IN $stale
SET b.gc_candidate = true
DELETE r
"""

MARK_STORED: LiteralString = """
MATCH (:ArtifactVersion {id: $draft_id})-[r:HAS_BLOB]->(b:Blob)
WHERE NOT coalesce(b.stored, false)
SET b.stored = true, b.size = r.size
"""

MARK_MANIFEST_STORED: LiteralString = """
MATCH (:ArtifactVersion {id: $draft_id})-[:HAS_MANIFEST]->(b:Blob)
WHERE NOT coalesce(b.stored, false)
SET b.stored = true
"""

UNVERIFIED_COUNT: LiteralString = """
MATCH (:ArtifactVersion {id: $draft_id})-[r:HAS_BLOB]->(:Blob)
WHERE NOT coalesce(r.verified, false)
RETURN count(r) AS unverified
"""

PRODUCED_BY: LiteralString = """
MATCH (r:Run {id: $run_id}), (v:ArtifactVersion {id: $version_id})
WHERE r.org_id = v.org_id
MERGE (r)-[p:PRODUCED]->(v)
  ON CREATE SET p.at = $now
RETURN r.id AS id
"""

VERSION_BY_ID: LiteralString = (
    "MATCH (v:ArtifactVersion {id: $id}) RETURN " + VERSION_FIELDS + " AS version"
)


async def _version_tx(tx: AsyncManagedTransaction, version_id: str) -> VersionRecord:
    record = await (await tx.run(VERSION_BY_ID, id=version_id)).single(strict=True)
    return version_record(record["version"])


async def _apply_aliases_tx(
    tx: AsyncManagedTransaction,
    *,
    artifact_id: str,
    org_id: str,
    version_id: str,
    aliases: list[str],
    actor: str,
) -> None:
    for alias in aliases:
        await point_alias_tx(
            tx,
            artifact_id=artifact_id,
            org_id=org_id,
            version_id=version_id,
            alias=alias,
            actor=actor,
        )


async def _commit_tx(
    tx: AsyncManagedTransaction,
    draft_id: str,
    manifest: BuiltManifest,
    actor: str,
    allow_create: bool,
) -> CommitResult:
    at = now()
    head = await (
        await tx.run(
            ENSURE_ARTIFACT,
            draft_id=draft_id,
            org_id=new_id(),
            project_id=new_id(),
            artifact_id=new_id(),
            now=at,
        )
    ).single()
    if head is None:
        raise NotFound("Draft not found (committed, discarded or expired)", field="draftId")
    artifact_id, org_id = head["artifact_id"], head["org_id"]
    if head["type"] != head["wanted_type"]:
        raise Conflict(
            f"Artifact exists with type {head['type']!r}, not {head['wanted_type']!r}",
            field="type",
        )
    if head["part_count"] != manifest.part_count:
        raise Conflict("Entries were added to the draft while it was committing", field="draftId")
    aliases = list(head["aliases"] or [])
    existing = await (
        await tx.run(EXISTING_BY_DIGEST, artifact_id=artifact_id, digest=manifest.digest)
    ).single()
    if existing is not None:
        await tx.run(DELETE_DRAFT, id=draft_id)
        await _apply_aliases_tx(
            tx,
            artifact_id=artifact_id,
            org_id=org_id,
            version_id=existing["id"],
            aliases=aliases,
            actor=actor,
        )
        return CommitResult(await _version_tx(tx, existing["id"]), created=False)
    if not allow_create:
        raise NotCommitted
    unverified = await (await tx.run(UNVERIFIED_COUNT, draft_id=draft_id)).single(strict=True)
    if unverified["unverified"]:
        raise MissingBlob(
            f"{unverified['unverified']} blob(s) not uploaded; upload them before committing",
            field="draftId",
        )

    ttl = head["ttl"] if head["ttl"] is not None else head["default_ttl"]
    ttl_seconds = ttl if ttl else None
    await tx.run(
        NEW_VERSION,
        artifact_id=artifact_id,
        draft_id=draft_id,
        digest=manifest.digest,
        size=manifest.size,
        file_count=manifest.file_count,
        manifest_size=manifest.manifest_size,
        page_digests=manifest.page_digests,
        page_counts=manifest.page_counts,
        now=at,
        ttl_seconds=ttl_seconds,
        expires_at=at + timedelta(seconds=ttl_seconds) if ttl_seconds else None,
    )
    if manifest.stale_digests:
        await tx.run(PRUNE_STALE_BLOBS, draft_id=draft_id, stale=manifest.stale_digests)
    await tx.run(MARK_STORED, draft_id=draft_id)
    await tx.run(MARK_MANIFEST_STORED, draft_id=draft_id)
    if head["run_id"] is not None:
        produced = await (
            await tx.run(PRODUCED_BY, run_id=head["run_id"], version_id=draft_id, now=at)
        ).single()
        if produced is None:
            raise NotFound(f"Run {head['run_id']!r} not found in this organisation", field="runId")
    # recorded before the aliases move, so a follower sees the version before `latest` names it
    version = await _version_tx(tx, draft_id)
    await record_version_created_tx(
        tx,
        version=version,
        actor=actor,
        payload={"size": manifest.size, "files": manifest.file_count},
    )
    if head["run_id"] is not None:
        await record_edge_events_tx(
            tx, edges=[EdgeKey(head["run_id"], draft_id, "PRODUCED")], actor=actor
        )
    await refresh_latest_tx(tx, artifact_id=artifact_id, org_id=org_id, actor=actor)
    await _apply_aliases_tx(
        tx,
        artifact_id=artifact_id,
        org_id=org_id,
        version_id=draft_id,
        aliases=aliases,
        actor=actor,
    )
    await record_audit_tx(
        tx,
        org_id=org_id,
        actor=actor,
        action="artifact_version.create",
        target_kind="ArtifactVersion",
        target_id=draft_id,
        details={"path": version.path, "digest": version.digest, "files": version.file_count},
    )
    return CommitResult(version, created=True)


async def commit_draft(
    graph: Graph, draft_id: str, manifest: BuiltManifest, actor: str, *, allow_create: bool
) -> CommitResult:
    """Commit the draft; with `allow_create` its blobs and manifest must be verified and stored.

    Returns the committed version with the same digest (`created=False`, the draft deleted), else
    the new version (`created=True`); without `allow_create` raises `NotCommitted` instead,
    having changed nothing. NOT_FOUND if the draft is gone or `runId` names no run of the
    organisation; CONFLICT if the artifact exists with another type or the draft changed;
    MISSING_BLOB if a blob of a new version is unverified.
    """
    return await write_retrying(graph, _commit_tx, draft_id, manifest, actor, allow_create)
