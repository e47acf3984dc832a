"""Registries of an organisation: the two core ones that always exist, and custom ones.

The core registries `model` (accepting artifact type `model`) and `dataset` (accepting `dataset`)
are created lazily and idempotently (MERGE on the `(org_id, name)` key) the first time anything
reads an organisation's registries or links into one, so no caller ever sees one missing.
Registry names are immutable (paths and collections refer to them). Creating and changing
registries is in `graph.registry.admin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import new_id, now
from graph.registry.records import (
    REGISTRY_PROJECTION,
    RegistryRecord,
    registry_record,
)

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
MATCH (o:Organization {name: $org})
OPTIONAL MATCH (r:Registry {org_id: o.id, name: $name})
RETURN COUNT { MATCH (k:Registry) WHERE k.org_id = o.id AND k.name IN $core } AS core,
       CASE WHEN r IS NULL THEN null ELSE """
    + REGISTRY_PROJECTION
    + """ END AS registry
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


@dataclass(frozen=True)
class RegistryLookup:
    """What one read of a registry by name found: `settled` is False when the organisation
    exists but its core registries are still to be created (`registry_by_name` creates them)."""

    settled: bool
    record: RegistryRecord | None


async def read_registry_by_name(graph: Graph, org: str, name: str) -> RegistryLookup:
    """The registry `name` of `org`, in one read-only statement that never writes, so it may
    run before the caller is authorised (its answer is used only after)."""
    row = await graph.read_one(REGISTRY_BY_NAME, org=org, name=name, core=list(CORE_REGISTRIES))
    if row is None:  # no such organisation
        return RegistryLookup(settled=True, record=None)
    return RegistryLookup(
        settled=int(row["core"]) >= len(CORE_REGISTRIES),
        record=None if row["registry"] is None else registry_record(row["registry"]),
    )


async def registry_by_name(graph: Graph, org: str, name: str) -> RegistryRecord | None:
    """The registry `name` of `org`, or None (also for an unknown organisation); the core
    registries of an existing organisation are never missing."""
    found = await read_registry_by_name(graph, org, name)
    if not found.settled:  # first read of this organisation's registries
        await ensure_core_registries(graph, org)
        found = await read_registry_by_name(graph, org, name)
    return found.record


async def require_registry(graph: Graph, org: str, name: str) -> RegistryRecord:
    """Like `registry_by_name`, but `NotFound` naming the registry when it does not exist."""
    record = await registry_by_name(graph, org, name)
    if record is None:
        await ensure_core_registries(graph, org)  # NotFound for an unknown organisation
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
