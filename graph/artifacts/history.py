"""Versions and aliases as they were at a moment, and one version's history.

What makes the past answerable: a deleted version stays as a tombstone (state DELETED, with
`deleted_at` and `deleted_by`) that keeps its index, metadata and lineage edges; every alias
change is an `AliasEvent` (add, move, remove, with from/to versions and time). So a path as of
moment T names:

- `:vN` (or a digest): the version with that index if it was committed by T and not deleted by
  T (deleted since: it is answered, as the tombstone it is now);
- `:alias`: the version the alias's last change at or before T pointed it at (none if that
  change removed it); `latest` without any alias change by T: the newest version existing at T.

Only artifacts that still exist are answered (deleting an artifact deletes its alias history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.records import VERSION_FIELDS, VersionRecord, version_record
from graph.core.driver import Graph
from graph.core.refs import LATEST, SelectorKind, VersionRef
from graph.core.tx import fetch_all, fetch_one, fetch_page
from graph.core.values import native_datetime

_ARTIFACT: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: $name})
"""

_EXISTED: LiteralString = """v.created_at <= $as_of
  AND (v.state = 'COMMITTED' OR (v.state = 'DELETED' AND v.deleted_at > $as_of))"""
"""A version that existed at `$as_of`: committed by then, not deleted by then."""

_RETURN: LiteralString = "\nRETURN " + VERSION_FIELDS + " AS version"

AS_OF_INDEX: LiteralString = (
    _ARTIFACT
    + "MATCH (v:ArtifactVersion {artifact_id: a.id, index: $index})\nWHERE "
    + _EXISTED
    + _RETURN
)

AS_OF_DIGEST: LiteralString = (
    _ARTIFACT
    + "MATCH (v:ArtifactVersion {digest: $digest})\nWHERE v.artifact_id = a.id AND "
    + _EXISTED
    + "\nWITH v ORDER BY v.index DESC LIMIT 1"
    + _RETURN
)

# The alias's last change at or before the moment; ties (changes in one transaction) by the
# order they were recorded in, which `e.at` keeps to the microsecond.
AS_OF_ALIAS: LiteralString = (
    _ARTIFACT
    + """MATCH (a)-[:HAS_ALIAS_EVENT]->(e:AliasEvent {alias: $alias})
WHERE e.at <= $as_of
WITH e ORDER BY e.at DESC LIMIT 1
MATCH (v:ArtifactVersion {id: e.to_version_id})"""
    + _RETURN
)

ALIAS_EVER_CHANGED: LiteralString = (
    _ARTIFACT
    + """MATCH (a)-[:HAS_ALIAS_EVENT]->(e:AliasEvent {alias: $alias})
WHERE e.at <= $as_of
RETURN count(e) > 0 AS changed"""
)

AS_OF_NEWEST: LiteralString = (
    _ARTIFACT
    + "MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion)\nWHERE "
    + _EXISTED
    + "\nWITH v ORDER BY v.index DESC LIMIT 1"
    + _RETURN
)


async def _version_as_of_tx(
    tx: AsyncManagedTransaction, ref: VersionRef, as_of: datetime
) -> VersionRecord | None:
    key = ref.artifact
    names: dict[str, Any] = {"org": key.org, "project": key.project, "name": key.name}
    if ref.kind is SelectorKind.INDEX:
        row = await fetch_one(tx, AS_OF_INDEX, index=ref.index, as_of=as_of, **names)
    elif ref.kind is SelectorKind.DIGEST:
        row = await fetch_one(tx, AS_OF_DIGEST, digest=ref.value, as_of=as_of, **names)
    else:
        row = await fetch_one(tx, AS_OF_ALIAS, alias=ref.value, as_of=as_of, **names)
        if row is None and ref.value == LATEST:
            changed = await fetch_one(tx, ALIAS_EVER_CHANGED, alias=LATEST, as_of=as_of, **names)
            if changed is None or not changed["changed"]:
                row = await fetch_one(tx, AS_OF_NEWEST, as_of=as_of, **names)
    return None if row is None else version_record(row["version"])


async def version_as_of(graph: Graph, ref: VersionRef, as_of: datetime) -> VersionRecord | None:
    """The version `ref` named at `as_of` (see the module doc), or None; a version deleted
    since comes back as its tombstone (state DELETED, `deleted_at` after `as_of`)."""
    return await graph.read(_version_as_of_tx, ref, as_of)


ALIASES_AS_OF: LiteralString = """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
MATCH (:Artifact {id: v.artifact_id})-[:HAS_ALIAS_EVENT]->(e:AliasEvent)
WHERE e.at <= $as_of
WITH id, e ORDER BY e.at DESC
WITH id, e.alias AS alias, collect(e)[0] AS last
WHERE last.to_version_id = id
RETURN id, collect(alias) AS aliases
"""


async def aliases_as_of(graph: Graph, ids: list[str], as_of: datetime) -> list[list[str]]:
    """For each version id, the aliases that named it at `as_of` (sorted), in order."""
    rows = await graph.read(fetch_all, ALIASES_AS_OF, ids=ids, as_of=as_of)
    found = {row["id"]: sorted(row["aliases"]) for row in rows}
    return [found.get(i, []) for i in ids]


# One version's life, oldest first: created, aliases set on it and taken off it, links into
# collections and unlinks, collection aliases, deletion. Each row: kind, time, actor, details.
HISTORY_PARTS: LiteralString = """
MATCH (v:ArtifactVersion {id: $id})
CALL (v) {
  RETURN 'CREATED' AS kind, v.created_at AS at, v.created_by AS actor, null AS alias,
         null AS path, null AS other
  UNION ALL
  MATCH (e:AliasEvent {artifact_id: v.artifact_id})
  WHERE e.to_version_id = v.id AND coalesce(e.from_version_id, '') <> v.id
  RETURN 'ALIAS_SET' AS kind, e.at AS at, e.actor AS actor, e.alias AS alias, null AS path,
         e.from_index AS other
  UNION ALL
  MATCH (e:AliasEvent {artifact_id: v.artifact_id})
  WHERE e.from_version_id = v.id AND coalesce(e.to_version_id, '') <> v.id
  RETURN 'ALIAS_REMOVED' AS kind, e.at AS at, e.actor AS actor, e.alias AS alias,
         null AS path, e.to_index AS other
  UNION ALL
  MATCH (v)-[l:LINKED_TO|WAS_LINKED_TO]->(c:Collection)
  RETURN 'LINKED' AS kind, l.linked_at AS at, l.linked_by AS actor, null AS alias,
         c.org_name + '/registry-' + c.registry_name + '/' + c.name + ':v' + toString(l.index)
           AS path, null AS other
  UNION ALL
  MATCH (v)-[l:WAS_LINKED_TO]->(c:Collection)
  RETURN 'UNLINKED' AS kind, l.unlinked_at AS at, l.unlinked_by AS actor, null AS alias,
         c.org_name + '/registry-' + c.registry_name + '/' + c.name + ':v' + toString(l.index)
           AS path, null AS other
  UNION ALL
  MATCH (m:CollectionAliasMove)
  WHERE m.to_version_id = v.id AND coalesce(m.from_version_id, '') <> v.id
  MATCH (c:Collection {id: m.collection_id})
  RETURN 'COLLECTION_ALIAS_SET' AS kind, m.at AS at, m.by AS actor, m.alias AS alias,
         c.org_name + '/registry-' + c.registry_name + '/' + c.name + ':v' + toString(m.to_index)
           AS path, m.from_index AS other
  UNION ALL
  MATCH (m:CollectionAliasMove)
  WHERE m.from_version_id = v.id AND coalesce(m.to_version_id, '') <> v.id
  MATCH (c:Collection {id: m.collection_id})
  RETURN 'COLLECTION_ALIAS_REMOVED' AS kind, m.at AS at, m.by AS actor, m.alias AS alias,
         c.org_name + '/registry-' + c.registry_name + '/' + c.name + ':v'
           + toString(m.from_index) AS path, m.to_index AS other
  UNION ALL
  WITH v WHERE v.state = 'DELETED'
  RETURN 'DELETED' AS kind, v.deleted_at AS at, v.deleted_by AS actor, null AS alias,
         null AS path, null AS other
}
"""

COUNT_HISTORY: LiteralString = HISTORY_PARTS + "RETURN count(*) AS total"

HISTORY_PAGE: LiteralString = (
    HISTORY_PARTS
    + """WITH kind, at, actor, alias, path, other
ORDER BY at, CASE kind WHEN 'CREATED' THEN 0 WHEN 'DELETED' THEN 2 ELSE 1 END, kind, alias, path
SKIP $offset LIMIT $limit
RETURN kind, at, actor, alias, path, other
"""
)


async def version_history(
    graph: Graph, version_id: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the version's history, oldest first, and how many entries it has. Rows:
    `kind`, `at` (datetime), `actor`, `alias`, `path` (a collection version's), `other` (the
    index an alias came from or went to)."""
    rows, total = await graph.read(
        fetch_page, COUNT_HISTORY, HISTORY_PAGE, id=version_id, offset=offset, limit=limit
    )
    for row in rows:
        row["at"] = native_datetime(row["at"])
    return rows, total
