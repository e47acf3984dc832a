"""Registries of an organisation: the two core ones that always exist, and custom ones.

The core registries `model` (accepting artifact type `model`) and `dataset` (accepting `dataset`)
are created lazily and idempotently (MERGE on the `(org_id, name)` key) the first time anything
reads an organisation's registries or links into one, so no caller ever sees one missing.
Accepted types only grow: a type once accepted stays accepted, so no linked version becomes
invalid. Registry names are immutable (paths and collections refer to them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.audit import record_audit_tx
from graph.driver import Graph
from graph.errors import AlreadyExists, InvalidInput, LimitExceeded, NotFound
from graph.names import validate_name
from graph.records import new_id, now
from graph.registry_paths import is_index_selector
from graph.registry_records import (
    LATEST,
    REGISTRY_PROJECTION,
    RegistryRecord,
    Visibility,
    registry_record,
)
from graph.tx import fetch_all, fetch_one

CORE_REGISTRIES: dict[str, tuple[str, str]] = {
    "model": ("model", "Models the organisation curates and serves."),
    "dataset": ("dataset", "Datasets the organisation curates and shares."),
}
MAX_REGISTRIES_PER_ORG = 1000
MAX_ACCEPTED_TYPES = 100
MAX_PROTECTED_ALIASES = 50
MAX_DESCRIPTION_LENGTH = 4096


ENSURE_CORE_REGISTRIES: LiteralString = """
MATCH (o:Organization {name: $org})
UNWIND $core AS core
MERGE (r:Registry {org_id: o.id, name: core.name})
ON CREATE SET r.id = core.id, r.org_name = o.name, r.description = core.description,
  r.accepts_any_type = false, r.accepted_types = [core.type], r.visibility = 'ORGANIZATION',
  r.protected_aliases = [], r.is_core = true, r.created_at = $now, r.created_by = 'system'
MERGE (o)-[:HAS_REGISTRY]->(r)
RETURN count(r) AS ensured
"""

CORE_REGISTRY_COUNT: LiteralString = """
MATCH (o:Organization {name: $org})
RETURN o.id AS org_id,
       COUNT { MATCH (r:Registry) WHERE r.org_id = o.id AND r.name IN $core } AS core
"""

REGISTRY_BY_NAME: LiteralString = (
    """
MATCH (r:Registry {org_id: $org_id, name: $name})
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)

REGISTRIES_BY_ID: LiteralString = (
    """
UNWIND $ids AS id
MATCH (r:Registry {id: id})
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)

REGISTRY_NAMES: LiteralString = """
MATCH (r:Registry) WHERE r.org_id = $org_id
RETURN r.id AS id, r.name AS name
ORDER BY r.name
"""

COUNT_REGISTRIES_IN: LiteralString = """
MATCH (r:Registry) WHERE r.id IN $ids
RETURN count(r) AS total
"""

REGISTRIES_IN: LiteralString = (
    """
MATCH (r:Registry) WHERE r.id IN $ids
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
ORDER BY r.is_core DESC, r.name
SKIP $offset LIMIT $limit
"""
)

CREATE_REGISTRY: LiteralString = (
    """
MATCH (o:Organization {id: $org_id})
WITH o, COUNT { (o)-[:HAS_REGISTRY]->(:Registry) } AS existing
WHERE existing < $max
CREATE (r:Registry {id: $id, org_id: o.id, org_name: o.name, name: $name,
  description: $description, accepts_any_type: $accepts_any_type,
  accepted_types: $accepted_types, visibility: $visibility,
  protected_aliases: $protected_aliases, is_core: false, created_at: $now, created_by: $actor})
CREATE (o)-[:HAS_REGISTRY]->(r)
WITH r
OPTIONAL MATCH (u:User {id: $user_id})
FOREACH (_ IN CASE WHEN u IS NULL THEN [] ELSE [1] END |
  MERGE (u)-[role:REGISTRY_ROLE]->(r) SET role.role = 'admin', role.granted_at = $now,
    role.granted_by = $actor)
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)

LOCK_REGISTRY: LiteralString = (
    """
MATCH (r:Registry {org_id: $org_id, name: $name})
SET r._lock = coalesce(r._lock, 0) + 1
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)

UPDATE_REGISTRY: LiteralString = (
    """
MATCH (r:Registry {id: $id})
SET r.description = $description, r.accepts_any_type = $accepts_any_type,
    r.accepted_types = $accepted_types, r.visibility = $visibility,
    r.protected_aliases = $protected_aliases
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry
"""
)


async def _org_id_tx(tx: AsyncManagedTransaction, org: str) -> str:
    row = await fetch_one(tx, CORE_REGISTRY_COUNT, org=org, core=list(CORE_REGISTRIES))
    if row is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    if int(row["core"]) < len(CORE_REGISTRIES):
        await tx.run(ENSURE_CORE_REGISTRIES, org=org, core=_core_params(), now=now())
    return str(row["org_id"])


async def ensure_core_registries_tx(tx: AsyncManagedTransaction, org: str) -> str:
    """Inside a write transaction: make sure `model` and `dataset` exist; return the org id."""
    return await _org_id_tx(tx, org)


async def ensure_core_registries(graph: Graph, org: str) -> str:
    """Create the core registries of `org` unless present (cheap read when they are); org id."""
    row = await graph.read(fetch_one, CORE_REGISTRY_COUNT, org=org, core=list(CORE_REGISTRIES))
    if row is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    if int(row["core"]) == len(CORE_REGISTRIES):
        return str(row["org_id"])
    return await graph.write(_org_id_tx, org)


def _core_params() -> list[dict[str, str]]:
    return [
        {"name": name, "type": type_, "description": description, "id": new_id()}
        for name, (type_, description) in CORE_REGISTRIES.items()
    ]


async def registry_by_name(graph: Graph, org: str, name: str) -> RegistryRecord | None:
    """The registry `name` of `org`, or None (also for an unknown organisation); the core
    registries of an existing organisation are never missing."""
    try:
        org_id = await ensure_core_registries(graph, org)
    except NotFound:
        return None
    row = await graph.read(fetch_one, REGISTRY_BY_NAME, org_id=org_id, name=name)
    return None if row is None else registry_record(row["registry"])


async def require_registry(graph: Graph, org: str, name: str) -> RegistryRecord:
    """Like `registry_by_name`, but `NotFound` naming the registry when it does not exist."""
    await ensure_core_registries(graph, org)
    record = await registry_by_name(graph, org, name)
    if record is None:
        raise NotFound(f"Registry {name!r} not found in organization {org!r}", field="registry")
    return record


async def registries_by_ids(graph: Graph, ids: list[str]) -> list[RegistryRecord | None]:
    """One round trip for many ids; results in the order of `ids`, None where absent."""
    rows = await graph.read(fetch_all, REGISTRIES_BY_ID, ids=ids)
    found = {row["registry"]["id"]: registry_record(row["registry"]) for row in rows}
    return [found.get(i) for i in ids]


async def registry_names(graph: Graph, org: str) -> list[tuple[str, str]]:
    """`(id, name)` of every registry of `org` by name (at most MAX_REGISTRIES_PER_ORG)."""
    org_id = await ensure_core_registries(graph, org)
    rows = await graph.read(fetch_all, REGISTRY_NAMES, org_id=org_id)
    return [(row["id"], row["name"]) for row in rows]


async def registries_page(
    graph: Graph, ids: list[str], offset: int, limit: int
) -> tuple[list[RegistryRecord], int]:
    """One page of the registries in `ids` (core first, then by name) and their number."""

    async def work(tx: AsyncManagedTransaction) -> tuple[list[RegistryRecord], int]:
        total = await fetch_one(tx, COUNT_REGISTRIES_IN, ids=ids)
        rows = await fetch_all(tx, REGISTRIES_IN, ids=ids, offset=offset, limit=limit)
        return [registry_record(r["registry"]) for r in rows], int(total["total"] if total else 0)

    return await graph.read(work)


def _types(values: Sequence[str]) -> list[str]:
    types = sorted({validate_name(t, field="acceptedTypes") for t in values})
    if len(types) > MAX_ACCEPTED_TYPES:
        raise LimitExceeded(
            f"A registry accepts at most {MAX_ACCEPTED_TYPES} types", field="acceptedTypes"
        )
    return types


def validate_protected_aliases(values: Sequence[str]) -> list[str]:
    aliases = sorted({validate_name(a, field="protectedAliases") for a in values})
    for alias in aliases:
        if alias == LATEST or is_index_selector(alias):
            raise InvalidInput(
                f"{alias!r} cannot be protected: 'latest' and 'vN' are managed by the registry",
                field="protectedAliases",
            )
    if len(aliases) > MAX_PROTECTED_ALIASES:
        raise LimitExceeded(
            f"At most {MAX_PROTECTED_ALIASES} protected aliases", field="protectedAliases"
        )
    return aliases


def _description(value: str) -> str:
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value


async def create_registry(
    graph: Graph,
    org: str,
    name: str,
    *,
    description: str = "",
    accepted_types: Sequence[str] = (),
    accepts_any_type: bool = False,
    visibility: Visibility = Visibility.ORGANIZATION,
    protected_aliases: Sequence[str] = (),
    actor: str,
    actor_user_id: str | None = None,
) -> RegistryRecord:
    """Create a custom registry; its creator (when a known user) becomes its admin.

    `ALREADY_EXISTS` when the name is taken (the core names always are); accepting no type at
    all is refused: pass types, or `accepts_any_type`.
    """
    validate_name(name, field="name")
    types = _types(accepted_types)
    if not types and not accepts_any_type:
        raise InvalidInput(
            "Name the artifact types the registry accepts, or accept any type",
            field="acceptedTypes",
        )
    params: dict[str, Any] = {
        "id": new_id(),
        "name": name,
        "description": _description(description),
        "accepts_any_type": accepts_any_type,
        "accepted_types": [] if accepts_any_type else types,
        "visibility": visibility.value,
        "protected_aliases": validate_protected_aliases(protected_aliases),
        "actor": actor,
        "user_id": actor_user_id,
        "max": MAX_REGISTRIES_PER_ORG,
    }

    async def work(tx: AsyncManagedTransaction) -> RegistryRecord:
        org_id = await ensure_core_registries_tx(tx, org)
        row = await fetch_one(tx, CREATE_REGISTRY, org_id=org_id, now=now(), **params)
        if row is None:
            raise LimitExceeded(
                f"Organization {org!r} already has {MAX_REGISTRIES_PER_ORG} registries",
                field="name",
            )
        record = registry_record(row["registry"])
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action="registry.create",
            target_kind="Registry",
            target_id=record.id,
            details={"name": name, "accepted_types": params["accepted_types"]},
        )
        return record

    try:
        return await graph.write(work)
    except ConstraintError:
        raise AlreadyExists(
            f"Registry {name!r} already exists in organization {org!r}", field="name"
        ) from None


async def update_registry(
    graph: Graph,
    org: str,
    name: str,
    *,
    description: str | None = None,
    add_accepted_types: Sequence[str] = (),
    accept_any_type: bool = False,
    visibility: Visibility | None = None,
    protected_aliases: Sequence[str] | None = None,
    actor: str,
) -> RegistryRecord:
    """Change a registry's settings; accepted types can only be added (or widened to any).

    The core registries keep their single accepted type.
    """
    types = _types(add_accepted_types)
    protected = None if protected_aliases is None else validate_protected_aliases(protected_aliases)
    new_description = None if description is None else _description(description)

    async def work(tx: AsyncManagedTransaction) -> RegistryRecord:
        org_id = await ensure_core_registries_tx(tx, org)
        row = await fetch_one(tx, LOCK_REGISTRY, org_id=org_id, name=name)
        if row is None:
            raise NotFound(f"Registry {name!r} not found in organization {org!r}", field="registry")
        current = registry_record(row["registry"])
        widened = (types and not set(types) <= set(current.accepted_types)) or (
            accept_any_type and not current.accepts_any_type
        )
        if current.is_core and widened:
            raise InvalidInput(
                f"The core registry {name!r} accepts only {current.accepted_types[0]!r}",
                field="acceptedTypes",
            )
        any_type = current.accepts_any_type or accept_any_type
        accepted = [] if any_type else sorted(set(current.accepted_types) | set(types))
        updated = await fetch_one(
            tx,
            UPDATE_REGISTRY,
            id=current.id,
            description=current.description if new_description is None else new_description,
            accepts_any_type=any_type,
            accepted_types=accepted,
            visibility=(visibility or current.visibility).value,
            protected_aliases=list(current.protected_aliases) if protected is None else protected,
        )
        assert updated is not None
        record = registry_record(updated["registry"])
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action="registry.update",
            target_kind="Registry",
            target_id=record.id,
            details=_changes(current, record),
        )
        return record

    return await graph.write(work)


def _changes(before: RegistryRecord, after: RegistryRecord) -> dict[str, Any]:
    fields = (
        "description",
        "accepts_any_type",
        "accepted_types",
        "visibility",
        "protected_aliases",
    )
    return {
        f: [getattr(before, f), getattr(after, f)]
        for f in fields
        if getattr(before, f) != getattr(after, f)
    }
