"""Aliases: names that point at one committed version of an artifact, with their full history.

`(:Alias {artifact_id, name})-[:POINTS_TO]->(:ArtifactVersion)`; the (artifact_id, name)
constraint makes an alias name one version. Every add, move and removal appends an
`(:Artifact)-[:HAS_ALIAS_EVENT]->(:AliasEvent {alias, action, from_*, to_*, actor, at})`.
`latest` is maintained by commits and deletions only. All changes run inside transactions that
hold the artifact's write lock, so concurrent moves serialise.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.events import record_alias_event_tx
from graph.artifacts.records import AliasEventRecord, alias_event_record
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import NotFound, ProtectedAlias
from graph.core.refs import LATEST
from graph.core.tx import fetch_all, fetch_page
from graph.core.validation import is_latest, validate_alias
from graph.core.values import new_id, now

EVENT_FIELDS: LiteralString = """e {.id, .artifact_id, .alias, .action, .from_version_id,
  .from_index, .to_version_id, .to_index, .actor, .at}"""

ARTIFACT_NAMES: LiteralString = "a {.org_id, .org_name, .project_name, .name, .type}"
"""What an alias event names its version by (`graph.artifacts.events.record_alias_event_tx`)."""

LOCK_ARTIFACT: LiteralString = """
MATCH (a:Artifact {id: $artifact_id})
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.org_id AS org_id
"""

POINT_ALIAS: LiteralString = (
    """
MATCH (a:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion {id: $version_id})
WHERE v.state = 'COMMITTED'
MERGE (al:Alias {artifact_id: $artifact_id, name: $alias})
  ON CREATE SET al.created_at = $now
WITH a, v, al
OPTIONAL MATCH (al)-[old:POINTS_TO]->(prev:ArtifactVersion)
WITH a, v, al, old, prev
WHERE prev IS NULL OR prev.id <> v.id
DELETE old
CREATE (al)-[:POINTS_TO]->(v)
CREATE (a)-[:HAS_ALIAS_EVENT]->(e:AliasEvent {
  id: $event_id, artifact_id: $artifact_id, alias: $alias,
  action: CASE WHEN prev IS NULL THEN 'add' ELSE 'move' END,
  from_version_id: prev.id, from_index: prev.index, to_version_id: v.id, to_index: v.index,
  actor: $actor, at: $now
})
RETURN """
    + EVENT_FIELDS
    + " AS event, "
    + ARTIFACT_NAMES
    + " AS artifact"
)

REMOVE_ALIAS: LiteralString = (
    """
MATCH (a:Artifact {id: $artifact_id})
MATCH (al:Alias {artifact_id: $artifact_id, name: $alias})
OPTIONAL MATCH (al)-[:POINTS_TO]->(prev:ArtifactVersion)
CREATE (a)-[:HAS_ALIAS_EVENT]->(e:AliasEvent {
  id: $event_id, artifact_id: $artifact_id, alias: $alias, action: 'remove',
  from_version_id: prev.id, from_index: prev.index, to_version_id: null, to_index: null,
  actor: $actor, at: $now
})
DETACH DELETE al
RETURN """
    + EVENT_FIELDS
    + " AS event, "
    + ARTIFACT_NAMES
    + " AS artifact"
)

COMMITTED_VERSION: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion {id: $version_id})
WHERE v.state = 'COMMITTED'
RETURN v.id AS id
"""

NEWEST_COMMITTED: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion {state: 'COMMITTED'})
RETURN v.id AS id ORDER BY v.index DESC LIMIT 1
"""

ALIASES_OF_VERSION: LiteralString = """
MATCH (al:Alias)-[:POINTS_TO]->(:ArtifactVersion {id: $version_id})
RETURN al.name AS name ORDER BY name
"""

ALIASES_OF_VERSIONS: LiteralString = """
UNWIND $ids AS id
MATCH (al:Alias)-[:POINTS_TO]->(:ArtifactVersion {id: id})
RETURN id, al.name AS name ORDER BY name
"""

COUNT_ALIAS_EVENTS: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_ALIAS_EVENT]->(e:AliasEvent)
WHERE $alias IS NULL OR e.alias = $alias
RETURN count(e) AS total
"""

ALIAS_EVENTS: LiteralString = (
    """
MATCH (:Artifact {id: $artifact_id})-[:HAS_ALIAS_EVENT]->(e:AliasEvent)
WHERE $alias IS NULL OR e.alias = $alias
RETURN """
    + EVENT_FIELDS
    + """ AS event
ORDER BY e.at DESC, e.id DESC
SKIP $offset LIMIT $limit
"""
)


async def point_alias_tx(
    tx: AsyncManagedTransaction,
    *,
    artifact_id: str,
    org_id: str,
    version_id: str,
    alias: str,
    actor: str,
    audit: bool = True,
) -> AliasEventRecord | None:
    """Point `alias` at the version (the caller holds the artifact lock); None if it already did."""
    result = await tx.run(
        POINT_ALIAS,
        artifact_id=artifact_id,
        version_id=version_id,
        alias=alias,
        event_id=new_id(),
        actor=actor,
        now=now(),
    )
    record = await result.single()
    if record is None:
        return None
    event = alias_event_record(record["event"])
    await record_alias_event_tx(tx, artifact=record["artifact"], event=event, actor=actor)
    if audit:
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action=f"alias.{event.action}",
            target_kind="ArtifactVersion",
            target_id=version_id,
            details={"alias": alias, "from": event.from_version_id, "artifact_id": artifact_id},
        )
    return event


async def remove_alias_tx(
    tx: AsyncManagedTransaction,
    *,
    artifact_id: str,
    org_id: str,
    alias: str,
    actor: str,
    audit: bool = True,
) -> AliasEventRecord | None:
    """Remove the alias (the caller holds the artifact lock); None if there was none."""
    result = await tx.run(
        REMOVE_ALIAS,
        artifact_id=artifact_id,
        alias=alias,
        event_id=new_id(),
        actor=actor,
        now=now(),
    )
    record = await result.single()
    if record is None:
        return None
    event = alias_event_record(record["event"])
    await record_alias_event_tx(tx, artifact=record["artifact"], event=event, actor=actor)
    if audit:
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action="alias.remove",
            target_kind="ArtifactVersion",
            target_id=event.from_version_id or "",
            details={"alias": alias, "artifact_id": artifact_id},
        )
    return event


async def refresh_latest_tx(
    tx: AsyncManagedTransaction, *, artifact_id: str, org_id: str, actor: str
) -> None:
    """Point `latest` at the newest committed version, or remove it when there is none."""
    record = await (await tx.run(NEWEST_COMMITTED, artifact_id=artifact_id)).single()
    if record is None:
        await remove_alias_tx(
            tx, artifact_id=artifact_id, org_id=org_id, alias=LATEST, actor=actor, audit=False
        )
        return
    await point_alias_tx(
        tx,
        artifact_id=artifact_id,
        org_id=org_id,
        version_id=record["id"],
        alias=LATEST,
        actor=actor,
        audit=False,
    )


async def _lock_artifact_tx(tx: AsyncManagedTransaction, artifact_id: str) -> str:
    record = await (await tx.run(LOCK_ARTIFACT, artifact_id=artifact_id)).single()
    if record is None:
        raise NotFound("Artifact not found", field="artifact")
    return str(record["org_id"])


async def _set_alias_tx(
    tx: AsyncManagedTransaction, artifact_id: str, version_id: str, alias: str, actor: str
) -> AliasEventRecord | None:
    org_id = await _lock_artifact_tx(tx, artifact_id)
    exists = await (
        await tx.run(COMMITTED_VERSION, artifact_id=artifact_id, version_id=version_id)
    ).single()
    if exists is None:
        raise NotFound("Version not found", field="versionId")
    return await point_alias_tx(
        tx,
        artifact_id=artifact_id,
        org_id=org_id,
        version_id=version_id,
        alias=alias,
        actor=actor,
    )


async def set_alias(
    graph: Graph, *, artifact_id: str, version_id: str, alias: str, actor: str
) -> AliasEventRecord | None:
    """Add `alias` to the version, moving it from another version of the artifact if needed.

    Returns the history event, or None when the alias already pointed there. `latest` is
    refused (PROTECTED_ALIAS), in any case: it always follows the newest version.
    """
    validate_alias(alias)
    if is_latest(alias):
        raise ProtectedAlias("'latest' always names the newest version", field="alias")
    return await graph.write(_set_alias_tx, artifact_id, version_id, alias, actor)


async def _remove_tx(
    tx: AsyncManagedTransaction, artifact_id: str, alias: str, actor: str
) -> AliasEventRecord:
    org_id = await _lock_artifact_tx(tx, artifact_id)
    event = await remove_alias_tx(
        tx, artifact_id=artifact_id, org_id=org_id, alias=alias, actor=actor
    )
    if event is None:
        raise NotFound(f"Alias {alias!r} not found", field="alias")
    return event


async def remove_alias(
    graph: Graph, *, artifact_id: str, alias: str, actor: str
) -> AliasEventRecord:
    """Remove a custom alias; NOT_FOUND if the artifact has no such alias."""
    validate_alias(alias)
    if is_latest(alias):
        raise ProtectedAlias("'latest' always names the newest version", field="alias")
    return await graph.write(_remove_tx, artifact_id, alias, actor)


async def aliases_of_versions(graph: Graph, ids: list[str]) -> list[list[str]]:
    """For each version id, its alias names sorted; in the order of `ids`."""
    rows = await graph.read(fetch_all, ALIASES_OF_VERSIONS, ids=ids)
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["id"], []).append(row["name"])
    return [found.get(i, []) for i in ids]


async def alias_history(
    graph: Graph, artifact_id: str, alias: str | None, offset: int, limit: int
) -> tuple[list[AliasEventRecord], int]:
    """One page of alias events, newest first, optionally of one alias; and the total."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_ALIAS_EVENTS,
        ALIAS_EVENTS,
        artifact_id=artifact_id,
        alias=alias,
        offset=offset,
        limit=limit,
    )
    return [alias_event_record(row["event"]) for row in rows], total
