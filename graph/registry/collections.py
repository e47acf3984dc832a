"""Collections inside a registry: created explicitly or by the first link, then searched.

A collection holds versions of exactly one artifact type, fixed when it is created; the type
must be one its registry accepts. Names are unique within a registry and immutable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, InvalidInput, NotFound, TypeNotAccepted
from graph.core.names import validate_name
from graph.core.retry import write_retrying
from graph.core.tx import fetch_all, fetch_one
from graph.core.validation import validate_tags
from graph.core.values import new_id, now
from graph.registry.events import record_collection_created_tx
from graph.registry.records import (
    COLLECTION_PROJECTION,
    REGISTRY_PROJECTION,
    CollectionRecord,
    RegistryRecord,
    collection_record,
    registry_record,
)
from graph.registry.registries import MAX_DESCRIPTION_LENGTH, ensure_core_registries_tx
from graph.registry.targets import lock_tx

REGISTRY_FOR_UPDATE: LiteralString = (
    """
MATCH (r:Registry {org_id: $org_id, name: $registry})
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)

CREATE_COLLECTION: LiteralString = (
    """
MATCH (r:Registry {id: $registry_id})
CREATE (c:Collection {id: $id, registry_id: r.id, registry_name: r.name, org_id: r.org_id,
  org_name: r.org_name, name: $name, type: $type, description: $description, tags: $tags,
  next_index: 0, created_at: $now, created_by: $actor})
CREATE (r)-[:HAS_COLLECTION]->(c)
RETURN """
    + COLLECTION_PROJECTION
    + """ AS collection
"""
)

FIND_COLLECTION: LiteralString = """
MATCH (r:Registry {org_id: $org_id, name: $registry})
MATCH (c:Collection {registry_id: r.id, name: $name})
RETURN c.id AS id
"""

UPDATE_COLLECTION: LiteralString = (
    """
MATCH (c:Collection {id: $id})
SET c.description = coalesce($description, c.description), c.tags = coalesce($tags, c.tags)
RETURN """
    + COLLECTION_PROJECTION
    + """ AS collection
"""
)

COLLECTION_BY_NAME: LiteralString = (
    """
MATCH (o:Organization {name: $org})
MATCH (r:Registry {org_id: o.id, name: $registry})
MATCH (c:Collection {registry_id: r.id, name: $name})
RETURN """
    + COLLECTION_PROJECTION
    + """ AS collection
"""
)

COLLECTIONS_BY_ID: LiteralString = (
    """
UNWIND $ids AS id
MATCH (c:Collection {id: id})
RETURN """
    + COLLECTION_PROJECTION
    + """ AS collection
"""
)


def _description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value


async def _registry_tx(tx: AsyncManagedTransaction, org: str, registry: str) -> RegistryRecord:
    org_id = await ensure_core_registries_tx(tx, org)
    row = await fetch_one(tx, REGISTRY_FOR_UPDATE, org_id=org_id, registry=registry)
    if row is None:
        raise NotFound(f"Registry {registry!r} not found in organization {org!r}", field="registry")
    return registry_record(row["registry"])


async def create_collection(
    graph: Graph,
    org: str,
    registry: str,
    name: str,
    *,
    type: str,
    description: str = "",
    tags: Sequence[str] = (),
    actor: str,
) -> CollectionRecord:
    """Create an empty collection of `type`; `TYPE_NOT_ACCEPTED` if the registry refuses it."""
    validate_name(name, field="name")
    validate_name(type, field="type")
    checked_tags = sorted(validate_tags(tags))
    checked_description = _description(description) or ""

    async def work(tx: AsyncManagedTransaction) -> CollectionRecord:
        reg = await _registry_tx(tx, org, registry)
        if not reg.accepts(type):
            raise TypeNotAccepted(
                f"Registry {registry!r} does not accept artifact type {type!r} "
                f"(accepts {', '.join(reg.accepted_types)})",
                field="type",
            )
        row = await fetch_one(
            tx,
            CREATE_COLLECTION,
            registry_id=reg.id,
            id=new_id(),
            name=name,
            type=type,
            description=checked_description,
            tags=checked_tags,
            now=now(),
            actor=actor,
        )
        if row is None:  # deleted since `_registry_tx` read it
            raise NotFound(
                f"Registry {registry!r} not found in organization {org!r}", field="registry"
            )
        record = collection_record(row["collection"])
        await record_collection_created_tx(
            tx,
            org_id=reg.org_id,
            org=record.org_name,
            registry=record.registry_name,
            collection=record.name,
            collection_id=record.id,
            type=type,
            actor=actor,
            by_link=False,
        )
        await record_audit_tx(
            tx,
            org_id=reg.org_id,
            actor=actor,
            action="collection.create",
            target_kind="Collection",
            target_id=record.id,
            details={"path": record.path, "type": type},
        )
        return record

    try:
        return await write_retrying(graph, work)
    except ConstraintError:
        raise AlreadyExists(
            f"Collection {name!r} already exists in registry {registry!r}", field="name"
        ) from None


async def update_collection(
    graph: Graph,
    org: str,
    registry: str,
    name: str,
    *,
    description: str | None = None,
    tags: Sequence[str] | None = None,
    actor: str,
) -> CollectionRecord:
    """Replace a collection's description and/or tags (None leaves a field as it is)."""
    checked_tags = None if tags is None else sorted(validate_tags(tags))
    checked_description = _description(description)

    async def work(tx: AsyncManagedTransaction) -> CollectionRecord:
        reg = await _registry_tx(tx, org, registry)
        found = await fetch_one(
            tx, FIND_COLLECTION, org_id=reg.org_id, registry=registry, name=name
        )
        if found is None:
            raise NotFound(f"Collection {name!r} not found in registry {registry!r}", field="name")
        await lock_tx(tx, found["id"])
        row = await fetch_one(
            tx,
            UPDATE_COLLECTION,
            id=found["id"],
            description=checked_description,
            tags=checked_tags,
        )
        if row is None:  # deleted since `_registry_tx` read it
            raise NotFound(
                f"Registry {registry!r} not found in organization {org!r}", field="registry"
            )
        record = collection_record(row["collection"])
        await record_audit_tx(
            tx,
            org_id=reg.org_id,
            actor=actor,
            action="collection.update",
            target_kind="Collection",
            target_id=record.id,
            details={"description": checked_description, "tags": checked_tags},
        )
        return record

    return await graph.write(work)


async def collection_by_name(
    graph: Graph, org: str, registry: str, name: str
) -> CollectionRecord | None:
    """The collection by its path's names, or None; one statement, one round trip."""
    record = await graph.read_record(COLLECTION_BY_NAME, org=org, registry=registry, name=name)
    return None if record is None else collection_record(record["collection"])


async def collections_by_ids(graph: Graph, ids: list[str]) -> list[CollectionRecord | None]:
    """One round trip for many ids; results in the order of `ids`, None where absent."""
    rows = await graph.read(fetch_all, COLLECTIONS_BY_ID, ids=ids)
    found = {row["collection"]["id"]: collection_record(row["collection"]) for row in rows}
    return [found.get(i) for i in ids]
