"""Deleting a registry collection: its links, aliases and alias history go; versions stay.

A collection that still has linked versions is refused (HAS_LINKED_VERSIONS) unless the caller
asks to unlink them: then every `LINKED_TO` edge into it is removed, in the same transaction as
the collection, its `CollectionAlias` nodes and its `CollectionAliasMove` history. The linked
`ArtifactVersion`s and their project artifacts are not touched; once unlinked, a version may be
deleted, expire or fall to retention like any other (those refuse only linked versions).

Concurrency: the transaction first takes the collection's `CollectionLock`, the lock every link,
unlink, alias and collection-update transaction takes, so a racing link either committed before
(and is unlinked here) or waits and then finds the collection gone (`NotFound` from `lock_tx`).
The lock node is kept, marked `deleted_at`, rather than deleted: transactions queued on it then
wake up to a clean NOT_FOUND instead of a deadlock. A link arriving after the deletion creates a
new, empty collection (new id, indexes from v0) as any first link into a missing collection does.

One audit event (`collection.delete`) records the path, how many versions were unlinked (the
first 100 by index) and the aliases removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import HasLinkedVersions, NotFound
from graph.core.refs import RegistryPath
from graph.core.tx import fetch_all, fetch_single
from graph.core.values import now
from graph.registry.targets import LockedCollection, lock_collection_tx

AUDITED_LINKS = 100

CONTENTS: LiteralString = """
MATCH (c:Collection {id: $collection_id})
RETURN COUNT { (c)<-[:LINKED_TO]-() } AS links,
       COLLECT {
         MATCH (a:CollectionAlias)  // the (collection_id, name) index
         WHERE a.collection_id = c.id AND a.name IS NOT NULL
         RETURN a.name
       } AS aliases
"""

FIRST_LINKS: LiteralString = """
MATCH (v:ArtifactVersion)-[l:LINKED_TO]->(:Collection)
WHERE l.collection_id = $collection_id AND l.index IS NOT NULL  // the (collection_id, index) index
RETURN l.index AS index, v.id AS version_id
ORDER BY l.collection_id, l.index  // both: the index gives the order, no sort of all
LIMIT $limit
"""

DELETE_ALIASES: LiteralString = """
MATCH (a:CollectionAlias)
WHERE a.collection_id = $collection_id AND a.name IS NOT NULL  // the (collection_id, name) index
DETACH DELETE a
"""

# `seq >= 0` lets the planner seek the (collection_id, seq) index.
DELETE_HISTORY: LiteralString = """
MATCH (m:CollectionAliasMove)
WHERE m.collection_id = $collection_id AND m.seq >= 0
DELETE m
"""

# DETACH removes every LINKED_TO edge into it and its registry's HAS_COLLECTION edge.
DELETE_COLLECTION: LiteralString = """
MATCH (c:Collection {id: $collection_id})
DETACH DELETE c
"""

RETIRE_LOCK: LiteralString = """
MATCH (k:CollectionLock {collection_id: $collection_id})
SET k.deleted_at = $now
"""


@dataclass(frozen=True)
class DeletedCollection:
    collection_id: str
    path: str
    unlinked_versions: int
    removed_aliases: tuple[str, ...]


async def _delete_tx(
    tx: AsyncManagedTransaction,
    path: RegistryPath,
    expected_id: str | None,
    unlink_versions: bool,
    actor: str,
) -> DeletedCollection:
    collection: LockedCollection = await lock_collection_tx(tx, path)
    if expected_id is not None and collection.id != expected_id:
        raise NotFound("The collection was deleted meanwhile", field="id")
    contents = await fetch_single(tx, CONTENTS, collection_id=collection.id)
    links = int(contents["links"])
    aliases = sorted(contents["aliases"])
    if links and not unlink_versions:
        raise HasLinkedVersions(
            f"Collection {collection.path} has {links} linked version(s); unlink them first or "
            "pass unlinkVersions: true",
            field="unlinkVersions",
        )
    first = await fetch_all(tx, FIRST_LINKS, collection_id=collection.id, limit=AUDITED_LINKS)
    await tx.run(DELETE_ALIASES, collection_id=collection.id)
    await tx.run(DELETE_HISTORY, collection_id=collection.id)
    await tx.run(DELETE_COLLECTION, collection_id=collection.id)
    await tx.run(RETIRE_LOCK, collection_id=collection.id, now=now())
    await record_audit_tx(
        tx,
        org_id=collection.org_id,
        actor=actor,
        action="collection.delete",
        target_kind="Collection",
        target_id=collection.id,
        details={
            "path": collection.path,
            "type": collection.type,
            "unlinked_versions": links,
            "unlinked": [f"v{row['index']}:{row['version_id']}" for row in first],
            "aliases": aliases,
        },
    )
    return DeletedCollection(collection.id, collection.path, links, tuple(aliases))


async def delete_collection(
    graph: Graph,
    path: RegistryPath,
    *,
    expected_id: str | None = None,
    unlink_versions: bool = False,
    actor: str,
) -> DeletedCollection:
    """Delete the collection `path` names (without selector), in one transaction.

    With `expected_id`, only if the collection there still has that id (else NOT_FOUND).
    NOT_FOUND naming the organisation, registry or collection; HAS_LINKED_VERSIONS when versions
    are linked and `unlink_versions` is false (nothing is changed then).
    """
    return await graph.write(_delete_tx, path, expected_id, unlink_versions, actor)
