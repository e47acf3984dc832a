"""Inside a write transaction: lock a collection, and find the version a selector names in it.

Every change to a collection's links or aliases first takes the write lock of the collection's
`(:CollectionLock {collection_id})` node, so concurrent link, unlink and alias transactions on one
collection run one after the other and always read the state the previous one committed.

Why a separate node and not `SET c._lock` on the Collection itself: in Neo4j 5 a transaction
that writes a property of a node and then creates a relationship on it must upgrade its lock on
the node's relationship groups, which deadlocks against the transactions queued on the same
node (measured: 20 concurrent links took 4 to 15 s of deadlock retries; with the lock node, a
quarter of a second). Nothing else ever holds a relationship of the lock node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.errors import NotFound
from graph.core.refs import RegistryPath, collection_path
from graph.core.tx import fetch_one
from graph.registry.registries import CORE_REGISTRIES

# The collection is looked for only once the lock is held: a transaction that queued behind a
# deletion (graph/registry/delete_collection.py, which keeps the lock node) finds it gone.
LOCK: LiteralString = """
MERGE (k:CollectionLock {collection_id: $collection_id})
SET k.holds = coalesce(k.holds, 0) + 1
WITH k
OPTIONAL MATCH (c:Collection {id: $collection_id})
RETURN c IS NOT NULL AS present
"""

FIND_COLLECTION: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (r:Registry {org_id: o.id, name: $registry})
MATCH (c:Collection {registry_id: r.id, name: $collection})
RETURN c.id AS id, c.org_id AS org_id, c.name AS name, c.type AS type,
       r.id AS registry_id, r.name AS registry_name, o.name AS org_name,
       coalesce(r.protected_aliases, []) AS protected_aliases
"""

REGISTRY_EXISTS: LiteralString = """
OPTIONAL MATCH (o:Organization {name: $org})
OPTIONAL MATCH (r:Registry {org_id: o.id, name: $registry})
RETURN o IS NOT NULL AS org, r IS NOT NULL AS registry
"""

VERSION_AT_INDEX: LiteralString = """
MATCH (v:ArtifactVersion)-[l:LINKED_TO {collection_id: $collection_id, index: $index}]->
      (:Collection)
WHERE v.state = 'COMMITTED'
RETURN v.id AS version_id, l.index AS index
"""

VERSION_BY_ALIAS: LiteralString = """
MATCH (a:CollectionAlias {collection_id: $collection_id, name: $alias})-[:POINTS_TO]->
      (v:ArtifactVersion)-[l:LINKED_TO {collection_id: $collection_id}]->(:Collection)
WHERE v.state = 'COMMITTED'
RETURN v.id AS version_id, l.index AS index
"""


@dataclass(frozen=True)
class LockedCollection:
    id: str
    org_id: str
    org_name: str
    registry_id: str
    registry_name: str
    name: str
    type: str
    protected_aliases: tuple[str, ...]

    @property
    def path(self) -> str:
        return collection_path(self.org_name, self.registry_name, self.name)


@dataclass(frozen=True)
class Selected:
    version_id: str
    index: int


async def missing_registry_tx(
    tx: AsyncManagedTransaction, org: str, registry: str, field: str
) -> NotFound | None:
    """`NotFound` naming the organisation or registry when either is absent, else None.

    A core registry is never reported missing: it exists as soon as anything reads it.
    """
    row = await fetch_one(tx, REGISTRY_EXISTS, org=org, registry=registry)
    if row is None or not row["org"]:
        return NotFound(f"Organization {org!r} not found", field=field)
    if not row["registry"] and registry not in CORE_REGISTRIES:
        return NotFound(f"Registry {registry!r} not found in organization {org!r}", field=field)
    return None


async def lock_tx(tx: AsyncManagedTransaction, collection_id: str, *, field: str = "path") -> None:
    """Hold the collection's write lock until this transaction ends.

    `NotFound` when the collection was deleted meanwhile (it rolls this transaction back).
    """
    row = await fetch_one(tx, LOCK, collection_id=collection_id)
    if row is None or not row["present"]:
        raise NotFound("The collection was deleted meanwhile", field=field)


async def lock_collection_tx(
    tx: AsyncManagedTransaction, path: RegistryPath, *, field: str = "path"
) -> LockedCollection:
    """Lock the collection `path` names; `NotFound` naming the missing part otherwise."""
    row = await fetch_one(
        tx, FIND_COLLECTION, org=path.org, registry=path.registry, collection=path.collection
    )
    if row is None:
        missing = await missing_registry_tx(tx, path.org, path.registry, field)
        raise missing or NotFound(
            f"Collection {path.collection!r} not found in registry {path.registry!r}", field=field
        )
    await lock_tx(tx, row["id"], field=field)
    return LockedCollection(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        registry_id=row["registry_id"],
        registry_name=row["registry_name"],
        name=row["name"],
        type=row["type"],
        protected_aliases=tuple(row["protected_aliases"]),
    )


async def select_version_tx(
    tx: AsyncManagedTransaction,
    collection: LockedCollection,
    selector: str,
    *,
    field: str = "path",
) -> Selected:
    """The linked, committed version `vN` or `alias` names in the collection; else `NotFound`."""
    probe = RegistryPath(collection.org_name, collection.registry_name, collection.name, selector)
    if probe.index is not None:
        row = await fetch_one(tx, VERSION_AT_INDEX, collection_id=collection.id, index=probe.index)
    else:
        row = await fetch_one(tx, VERSION_BY_ALIAS, collection_id=collection.id, alias=selector)
    if row is None:
        raise NotFound(f"{collection.path}:{selector} does not name a linked version", field=field)
    return Selected(version_id=row["version_id"], index=int(row["index"]))
