"""Deleting a custom registry: its role grants and the node; its name is then free again.

Only an empty registry is deleted: one that holds collections is refused (HAS_COLLECTIONS,
naming how many and the first by name) and the caller deletes them first (`deleteCollection`).
The core registries `model` and `dataset` are refused (CORE_REGISTRY): every organisation has
them, and anything reading its registries would create them again.

Concurrency: the transaction takes the registry's write lock (`r._lock`, as registry updates
do), checks it is empty, deletes it (`DETACH DELETE`, which also removes its `HAS_REGISTRY` and
`REGISTRY_ROLE` edges) and only then counts its collections again. Creating a collection
(`createCollection`, or a first link into a missing collection) adds a `HAS_COLLECTION` edge to
the registry, and the delete cannot remove the node until every transaction adding an edge to
it has ended; so a collection created meanwhile is seen by the second count, and the deletion
is refused (rolled back) rather than leaving a collection without its registry. A creation that
comes after the deletion fails: it no longer finds the registry (NOT_FOUND), or, if it had read
it before, it cannot attach the collection to the deleted node and rolls back (Neo4j's
`EntityNotFound`, which `graph/registry/collections.py` does not retry yet: an internal error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import CoreRegistry, HasCollections, NotFound
from graph.core.tx import fetch_one, fetch_single
from graph.registry.registries import CORE_REGISTRIES

SHOWN_COLLECTIONS = 3

LOCK_REGISTRY: LiteralString = """
MATCH (o:Organization {name: $org})
OPTIONAL MATCH (r:Registry {org_id: o.id, name: $name})
SET r._lock = coalesce(r._lock, 0) + 1
RETURN o.id AS org_id, r {.id, .is_core, .accepted_types, .accepts_any_type, .visibility}
         AS registry,
       COLLECT { MATCH (u:User)-[:REGISTRY_ROLE]->(r) RETURN u.name ORDER BY u.name } AS roles
"""

# Collections carry their registry's id, so they are found after the HAS_COLLECTION edges are
# gone too. `name IS NOT NULL` lets the planner seek the (registry_id, name) constraint's index.
COLLECTIONS: LiteralString = """
MATCH (c:Collection)
WHERE c.registry_id = $registry_id AND c.name IS NOT NULL
WITH c ORDER BY c.name
RETURN count(c) AS total, collect(c.name)[..$shown] AS first
"""

DELETE_REGISTRY: LiteralString = """
MATCH (r:Registry {id: $registry_id})
DETACH DELETE r
"""


@dataclass(frozen=True)
class DeletedRegistry:
    registry_id: str
    org: str
    name: str
    removed_roles: tuple[str, ...]
    """Names of the users whose role in the registry was removed, sorted."""


def _has_collections(org: str, name: str, row: dict[str, Any]) -> HasCollections:
    total, first = int(row["total"]), list(row["first"])
    more = ", ..." if total > len(first) else ""
    return HasCollections(
        f"Registry {name!r} of {org!r} holds {total} collection(s) ({', '.join(first)}{more}); "
        "delete them first",
        field="name",
    )


async def _delete_tx(
    tx: AsyncManagedTransaction, org: str, name: str, actor: str
) -> DeletedRegistry:
    head = await fetch_one(tx, LOCK_REGISTRY, org=org, name=name)
    if head is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    registry = head["registry"]
    if registry is None:
        raise NotFound(f"Registry {name!r} not found in organization {org!r}", field="name")
    if registry["is_core"]:
        raise CoreRegistry(f"The core registry {name!r} cannot be deleted", field="name")
    registry_id = str(registry["id"])
    params = {"registry_id": registry_id, "shown": SHOWN_COLLECTIONS}
    held = await fetch_single(tx, COLLECTIONS, **params)
    if held["total"]:
        raise _has_collections(org, name, held)
    await tx.run(DELETE_REGISTRY, registry_id=registry_id)
    # Holding the node's delete lock now, a collection created meanwhile is visible (see above).
    held = await fetch_single(tx, COLLECTIONS, **params)
    if held["total"]:
        raise _has_collections(org, name, held)
    roles = tuple(head["roles"])
    await record_audit_tx(
        tx,
        org_id=head["org_id"],
        actor=actor,
        action="registry.delete",
        target_kind="Registry",
        target_id=registry_id,
        details={
            "name": name,
            "accepted_types": registry["accepted_types"],
            "accepts_any_type": registry["accepts_any_type"],
            "visibility": registry["visibility"],
            "removed_roles": list(roles),
        },
    )
    return DeletedRegistry(registry_id, org, name, roles)


async def delete_registry(graph: Graph, org: str, name: str, *, actor: str) -> DeletedRegistry:
    """Delete the custom registry `name` of `org` in one transaction (see the module doc).

    NOT_FOUND naming the organisation or registry; CORE_REGISTRY for `model` and `dataset`;
    HAS_COLLECTIONS while it holds any collection. A refusal changes nothing.
    """
    if name in CORE_REGISTRIES:
        raise CoreRegistry(f"The core registry {name!r} cannot be deleted", field="name")
    return await graph.write(_delete_tx, org, name, actor)
