"""Reading linked versions: by registry path, by collection (paged), and by source version.

Only COMMITTED versions are visible. A path's selector is `vN` (the collection index), an alias,
or absent (meaning `latest`). Every lookup starts from index seeks on the natural keys
(organisation name, registry and collection keys, alias key, and the `(collection_id, index)`
key of `LINKED_TO`), so resolving a path costs the same in a collection of ten versions or of
a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.refs import LATEST, RegistryPath
from graph.core.tx import fetch_all, fetch_one, fetch_single
from graph.registry.records import (
    MEMBERSHIP_PROJECTION,
    MembershipRecord,
    membership_key,
    membership_record,
)

COLLECTION_OF_PATH: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (r:Registry {org_id: o.id, name: $registry})
MATCH (c:Collection {registry_id: r.id, name: $collection})
RETURN c.id AS id
"""

# One statement per selector: a path costs one round trip. Each step is an index seek on a
# natural key (organisation name, `(org_id, name)`, `(registry_id, name)`), and inside the
# subquery the collection's id is bound, so the planner seeks the `(collection_id, index)`
# relationship index or the alias key instead of expanding a large collection's edges.
_PATH_TO_COLLECTION: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (r:Registry {org_id: o.id, name: $registry})
MATCH (c:Collection {registry_id: r.id, name: $collection})
"""

AT_INDEX: LiteralString = (
    _PATH_TO_COLLECTION
    + """CALL (c) {
  MATCH (v:ArtifactVersion)-[l:LINKED_TO {collection_id: c.id, index: $index}]->(c)
  WHERE v.state = 'COMMITTED'
  RETURN v, l
}
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)

AT_ALIAS: LiteralString = (
    _PATH_TO_COLLECTION
    + """CALL (c) {
  MATCH (:CollectionAlias {collection_id: c.id, name: $alias})-[:POINTS_TO]->(v:ArtifactVersion)
  MATCH (v)-[l:LINKED_TO {collection_id: c.id}]->(c)
  WHERE v.state = 'COMMITTED'
  RETURN v, l
}
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)

MEMBERSHIP: LiteralString = (
    """
MATCH (v:ArtifactVersion {id: $version_id})-[l:LINKED_TO {collection_id: $collection_id}]->
      (c:Collection)
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)

BY_KEYS: LiteralString = (
    """
UNWIND $keys AS key
MATCH (v:ArtifactVersion {id: key.version_id})-[l:LINKED_TO {collection_id: key.collection_id}]->
      (c:Collection)
WHERE v.state = 'COMMITTED'
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)

# A linked version is always COMMITTED (the artifacts feature refuses to delete or expire one),
# so counting edges is exact and reads only the degree store.
COUNT_VERSIONS: LiteralString = """
MATCH (c:Collection {id: $collection_id})
RETURN COUNT { (c)<-[:LINKED_TO]-() } AS total
"""

# Ordering by both key properties (the first is constant here) lets the planner read the page
# straight off the `(collection_id, index)` index, newest first: a page costs its own size, not
# the collection's. `l.index >= 0` makes the seek cover the second key property.
VERSIONS: LiteralString = (
    """
MATCH (v)-[l:LINKED_TO]->(c)
WHERE l.collection_id = $collection_id AND l.index >= 0
WITH c, l, v ORDER BY l.collection_id DESC, l.index DESC SKIP $offset LIMIT $limit
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)

REGISTRIES_OF_VERSION: LiteralString = """
MATCH (:ArtifactVersion {id: $version_id, state: 'COMMITTED'})-[:LINKED_TO]->(c:Collection)
RETURN DISTINCT c.registry_id AS registry_id, c.org_name AS org_name,
       c.registry_name AS registry_name
"""

COUNT_MEMBERSHIPS: LiteralString = """
MATCH (:ArtifactVersion {id: $version_id, state: 'COMMITTED'})-[:LINKED_TO]->(c:Collection)
WHERE c.registry_id IN $registry_ids
RETURN count(c) AS total
"""

MEMBERSHIPS: LiteralString = (
    """
MATCH (v:ArtifactVersion {id: $version_id, state: 'COMMITTED'})-[l:LINKED_TO]->(c:Collection)
WHERE c.registry_id IN $registry_ids
WITH c, l, v ORDER BY c.org_name, c.registry_name, c.name SKIP $offset LIMIT $limit
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership
"""
)


@dataclass(frozen=True)
class LinkedRegistry:
    registry_id: str
    org_name: str
    registry_name: str


async def membership_tx(
    tx: AsyncManagedTransaction, collection_id: str, version_id: str
) -> MembershipRecord:
    """Inside a transaction: the membership of a version known to be linked to the collection."""
    row = await fetch_single(tx, MEMBERSHIP, collection_id=collection_id, version_id=version_id)
    return membership_record(row["membership"])


async def membership_at_path(graph: Graph, path: RegistryPath) -> MembershipRecord | None:
    """The linked version `path` names (`:vN`, `:alias`, or no selector for `latest`), or None.

    One read-only statement, so one round trip (a snapshot of its own)."""
    keys = {"org": path.org, "registry": path.registry, "collection": path.collection}
    if path.index is not None:
        record = await graph.read_record(AT_INDEX, index=path.index, **keys)
    else:
        record = await graph.read_record(AT_ALIAS, alias=path.alias or LATEST, **keys)
    return None if record is None else membership_record(record["membership"])


async def memberships_by_keys(graph: Graph, keys: list[str]) -> list[MembershipRecord | None]:
    """Memberships by `collection_id:version_id` key, in key order; None where absent."""
    pairs = [key.split(":", 1) for key in keys]
    wanted = [{"collection_id": p[0], "version_id": p[1]} for p in pairs if len(p) == 2]
    rows = await graph.read(fetch_all, BY_KEYS, keys=wanted)
    found = {
        membership_key(r["membership"]["collection_id"], r["membership"]["version"]["id"]): (
            membership_record(r["membership"])
        )
        for r in rows
    }
    return [found.get(key) for key in keys]


async def versions_of_collection(
    graph: Graph, collection_id: str, offset: int, limit: int
) -> tuple[list[MembershipRecord], int]:
    """One page of a collection's versions, newest link first, and how many there are."""

    async def work(tx: AsyncManagedTransaction) -> tuple[list[MembershipRecord], int]:
        total = await fetch_one(tx, COUNT_VERSIONS, collection_id=collection_id)
        rows = await fetch_all(
            tx, VERSIONS, collection_id=collection_id, offset=offset, limit=limit
        )
        return [membership_record(r["membership"]) for r in rows], int(
            total["total"] if total else 0
        )

    return await graph.read(work)


async def registries_of_version(graph: Graph, version_id: str) -> list[LinkedRegistry]:
    """The registries a committed version is linked into (to authorise before listing)."""
    rows = await graph.read(fetch_all, REGISTRIES_OF_VERSION, version_id=version_id)
    return [LinkedRegistry(r["registry_id"], r["org_name"], r["registry_name"]) for r in rows]


async def memberships_of_version(
    graph: Graph, version_id: str, registry_ids: list[str], offset: int, limit: int
) -> tuple[list[MembershipRecord], int]:
    """One page of the collections a version is linked to, within `registry_ids`, by path."""

    async def work(tx: AsyncManagedTransaction) -> tuple[list[MembershipRecord], int]:
        params = {"version_id": version_id, "registry_ids": registry_ids}
        total = await fetch_one(tx, COUNT_MEMBERSHIPS, **params)
        rows = await fetch_all(tx, MEMBERSHIPS, offset=offset, limit=limit, **params)
        return [membership_record(r["membership"]) for r in rows], int(
            total["total"] if total else 0
        )

    return await graph.read(work)
