"""Deleting a version: the version becomes a DELETED tombstone that keeps its index forever.

Custom aliases block deletion (HAS_ALIASES) unless the caller drops them; `latest` never blocks and
moves to the newest remaining version. A version linked into a registry collection is refused
(CONFLICT): unlink it first. The blobs are left to garbage collection, which ignores the links of
deleted versions, so deleting a 100k-file version is one small transaction.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.aliases import refresh_latest_tx, remove_alias_tx
from graph.artifacts.events import record_version_events_tx
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import Conflict, HasAliases, NotFound
from graph.core.events import EventType
from graph.core.refs import LATEST
from graph.core.values import now

LOCK_VERSION: LiteralString = """
MATCH (a:Artifact)-[:HAS_VERSION]->(v:ArtifactVersion {id: $version_id})
WHERE v.state = 'COMMITTED'
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.id AS artifact_id, a.org_id AS org_id, v.index AS index,
       [(al:Alias)-[:POINTS_TO]->(v) | al.name] AS aliases,
       EXISTS { (v)-[:LINKED_TO]->() } AS linked,
       v.org_name + '/' + v.project_name + '/' + v.artifact_name + ':v' + toString(v.index)
         AS path
"""

EXPIRING = frozenset({"artifact_version.expire", "artifact_version.retention"})
"""Deletions by the TTL sweep or a retention policy: VERSION_EXPIRED events, not VERSION_DELETED."""

MARK_DELETED: LiteralString = """
MATCH (v:ArtifactVersion {id: $version_id})
SET v.state = 'DELETED', v.deleted_at = $now, v.deleted_by = $actor, v.expires_at = null
"""


async def delete_version_tx(
    tx: AsyncManagedTransaction,
    *,
    version_id: str,
    actor: str,
    drop_aliases: bool,
    action: str = "artifact_version.delete",
) -> bool:
    """Delete one committed version (see the module doc); False if it was not committed."""
    record = await (await tx.run(LOCK_VERSION, version_id=version_id)).single()
    if record is None:
        return False
    aliases = [name for name in record["aliases"] if name != LATEST]
    if aliases and not drop_aliases:
        raise HasAliases(
            f"Version has aliases {', '.join(sorted(aliases))}; remove them or drop them",
            field="dropAliases",
        )
    if record["linked"]:
        raise Conflict(
            "Version is linked to a registry collection; unlink it first", field="versionId"
        )
    artifact_id, org_id = record["artifact_id"], record["org_id"]
    for alias in sorted(aliases):
        await remove_alias_tx(tx, artifact_id=artifact_id, org_id=org_id, alias=alias, actor=actor)
    await tx.run(MARK_DELETED, version_id=version_id, now=now(), actor=actor)
    await record_version_events_tx(
        tx,
        type=EventType.VERSION_EXPIRED if action in EXPIRING else EventType.VERSION_DELETED,
        version_ids=[version_id],
        actor=actor,
        payload={"reason": action.removeprefix("artifact_version.")},
    )
    if LATEST in record["aliases"]:
        await refresh_latest_tx(tx, artifact_id=artifact_id, org_id=org_id, actor=actor)
    await record_audit_tx(
        tx,
        org_id=org_id,
        actor=actor,
        action=action,
        target_kind="ArtifactVersion",
        target_id=version_id,
        details={"path": record["path"], "dropped_aliases": sorted(aliases)},
    )
    return True


async def _delete_tx(
    tx: AsyncManagedTransaction, version_id: str, actor: str, drop_aliases: bool
) -> None:
    if not await delete_version_tx(
        tx, version_id=version_id, actor=actor, drop_aliases=drop_aliases
    ):
        raise NotFound("Version not found", field="versionId")


async def delete_version(
    graph: Graph, version_id: str, *, actor: str, drop_aliases: bool = False
) -> None:
    """Delete a committed version in one transaction; NOT_FOUND, HAS_ALIASES or CONFLICT."""
    await graph.write(_delete_tx, version_id, actor, drop_aliases)
