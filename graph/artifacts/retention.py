"""Retention: "keep the last N versions" per artifact, for checkpoint-heavy artifacts.

The N newest committed versions are kept; older ones are deleted, except any version with an
alias or linked into a registry collection: those are kept whatever N says. The policy runs after
each commit and in the sweeper.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.catalog import require_artifact
from graph.artifacts.delete_version import delete_version_tx
from graph.artifacts.records import ArtifactRecord
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import DomainError, InvalidInput
from graph.core.refs import ArtifactKey
from graph.core.tx import fetch_all

SYSTEM_RETENTION = "system:retention"
MAX_KEEP_LAST = 1_000_000

SET_KEEP_LAST: LiteralString = """
MATCH (a:Artifact {id: $artifact_id})
SET a.keep_last = $keep_last
RETURN a.org_id AS org_id
"""

BEYOND_KEEP_LAST: LiteralString = """
MATCH (a:Artifact {id: $artifact_id})
WHERE a.keep_last IS NOT NULL
MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion {state: 'COMMITTED'})
WITH a, v ORDER BY v.index DESC
WITH a, collect(v) AS newest_first
UNWIND newest_first[a.keep_last..] AS v
WITH v
WHERE NOT EXISTS { (:Alias)-[:POINTS_TO]->(v) } AND NOT EXISTS { (v)-[:LINKED_TO]->() }
RETURN v.id AS id
"""

ARTIFACTS_WITH_RETENTION: LiteralString = """
MATCH (a:Artifact)
WHERE a.keep_last IS NOT NULL AND ($org IS NULL OR a.org_name = $org)
RETURN a.id AS id
"""


async def _set_tx(
    tx: AsyncManagedTransaction, artifact_id: str, keep_last: int | None, actor: str
) -> None:
    record = await (
        await tx.run(SET_KEEP_LAST, artifact_id=artifact_id, keep_last=keep_last)
    ).single(strict=True)
    await record_audit_tx(
        tx,
        org_id=record["org_id"],
        actor=actor,
        action="artifact.retention",
        target_kind="Artifact",
        target_id=artifact_id,
        details={"keep_last": keep_last},
    )


async def set_retention(
    graph: Graph, key: ArtifactKey, keep_last: int | None, *, actor: str
) -> ArtifactRecord:
    """Keep the `keep_last` newest versions plus aliased ones (None: keep all); apply it now."""
    if keep_last is not None and not 1 <= keep_last <= MAX_KEEP_LAST:
        raise InvalidInput(f"keepLast must be between 1 and {MAX_KEEP_LAST}", field="keepLast")
    artifact = await require_artifact(graph, key)
    await graph.write(_set_tx, artifact.id, keep_last, actor)
    await apply_retention(graph, artifact.id)
    return await require_artifact(graph, key)


async def _retention_tx(tx: AsyncManagedTransaction, version_id: str) -> bool:
    return await delete_version_tx(
        tx,
        version_id=version_id,
        actor=SYSTEM_RETENTION,
        drop_aliases=False,
        action="artifact_version.retention",
    )


async def apply_retention(graph: Graph, artifact_id: str) -> list[str]:
    """Delete the versions the artifact's policy no longer keeps; return their ids.

    Each deletion re-checks aliases and links under the artifact lock, so a version aliased
    meanwhile is kept (its deletion fails with HAS_ALIASES and is skipped).
    """
    rows = await graph.read(fetch_all, BEYOND_KEEP_LAST, artifact_id=artifact_id)
    deleted: list[str] = []
    for version_id in (row["id"] for row in rows):
        try:
            if await graph.write(_retention_tx, version_id):
                deleted.append(version_id)
        except DomainError:  # aliased or linked meanwhile: kept
            continue
    return deleted


async def apply_all_retention(graph: Graph, *, org: str | None = None) -> int:
    """Apply every artifact's retention policy (optionally in one organisation)."""
    rows = await graph.read(fetch_all, ARTIFACTS_WITH_RETENTION, org=org)
    deleted = 0
    for row in rows:
        deleted += len(await apply_retention(graph, row["id"]))
    return deleted
