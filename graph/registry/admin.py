"""Creating and changing custom registries (the core ones only change description, visibility
and protected aliases).

Accepted types only grow: a type once accepted stays accepted, so no linked version becomes
invalid. Every change is one transaction that also records an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, InvalidInput, LimitExceeded, NotFound
from graph.core.names import validate_name
from graph.core.refs import LATEST, is_index
from graph.core.tx import fetch_one
from graph.core.values import new_id, now
from graph.registry.records import (
    REGISTRY_PROJECTION,
    RegistryRecord,
    Visibility,
    registry_record,
)
from graph.registry.registries import (
    MAX_ACCEPTED_TYPES,
    MAX_DESCRIPTION_LENGTH,
    MAX_PROTECTED_ALIASES,
    MAX_REGISTRIES_PER_ORG,
    ensure_core_registries_tx,
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
        if alias == LATEST or is_index(alias):
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
