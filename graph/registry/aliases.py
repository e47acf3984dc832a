"""Collection aliases: `(:CollectionAlias {collection_id, name})-[:POINTS_TO]->(:ArtifactVersion)`.

Each alias names one linked version of its collection. `latest` is kept by the registry on the
most recently linked version; other aliases are set by users, and those a registry lists as
protected only by its admins. Every change (set, move, removal, including `latest`) is kept as
a `(:CollectionAliasMove {collection_id, alias, seq, from_*, to_*, at, by})` node: `seq` grows
per collection, so history reads newest first even within one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import InvalidInput, ProtectedAlias
from graph.core.refs import RegistryPath
from graph.core.tx import fetch_all, fetch_one
from graph.core.validation import alias_key, is_latest, validate_alias
from graph.core.values import native_datetime, new_id, now
from graph.registry.events import record_collection_alias_event_tx
from graph.registry.records import MembershipRecord
from graph.registry.targets import LockedCollection, Selected, lock_collection_tx, select_version_tx
from graph.registry.versions import membership_tx


@dataclass(frozen=True)
class AliasMoveRecord:
    alias: str
    seq: int
    from_version_id: str | None
    from_index: int | None
    to_version_id: str | None
    to_index: int | None
    at: datetime
    by: str


@dataclass(frozen=True)
class AliasRecord:
    name: str
    version_id: str
    index: int


CURRENT_TARGET: LiteralString = """
MATCH (a:CollectionAlias {collection_id: $collection_id, name: $alias})-[:POINTS_TO]->
      (v:ArtifactVersion)
OPTIONAL MATCH (v)-[l:LINKED_TO {collection_id: $collection_id}]->(:Collection)
RETURN v.id AS version_id, l.index AS index
"""

# Read, detach, point and keep the move in one round trip (a link points `latest` and its aliases:
# four statements each before). No row when the alias already names the version.
MOVE_ALIAS: LiteralString = """
MATCH (c:Collection {id: $collection_id})
MATCH (v:ArtifactVersion {id: $version_id})
OPTIONAL MATCH (:CollectionAlias {collection_id: $collection_id, name: $alias})-[p:POINTS_TO]->
               (old:ArtifactVersion)
WITH c, v, p, old
WHERE old IS NULL OR old.id <> v.id
OPTIONAL MATCH (old)-[ol:LINKED_TO {collection_id: $collection_id}]->(:Collection)
WITH c, v, p, old.id AS from_version_id, ol.index AS from_index
DELETE p
MERGE (a:CollectionAlias {collection_id: $collection_id, name: $alias})
ON CREATE SET a.created_at = $now, a.created_by = $actor
SET a.updated_at = $now, a.updated_by = $actor
CREATE (a)-[:POINTS_TO]->(v)
SET c.alias_moves = coalesce(c.alias_moves, 0) + 1
CREATE (:CollectionAliasMove {id: $id, collection_id: c.id, alias: $alias, seq: c.alias_moves,
  from_version_id: from_version_id, from_index: from_index,
  to_version_id: v.id, to_index: $to_index, at: $now, by: $actor})
RETURN from_version_id, from_index
"""

DELETE_ALIAS: LiteralString = """
MATCH (a:CollectionAlias {collection_id: $collection_id, name: $alias})
DETACH DELETE a
"""

RECORD_MOVE: LiteralString = """
MATCH (c:Collection {id: $collection_id})
SET c.alias_moves = coalesce(c.alias_moves, 0) + 1
CREATE (m:CollectionAliasMove {id: $id, collection_id: c.id, alias: $alias, seq: c.alias_moves,
  from_version_id: $from_version_id, from_index: $from_index,
  to_version_id: $to_version_id, to_index: $to_index, at: $now, by: $actor})
"""

ALIASES_OF_VERSION: LiteralString = """
MATCH (a:CollectionAlias {collection_id: $collection_id})-[:POINTS_TO]->
      (:ArtifactVersion {id: $version_id})
RETURN a.name AS name
"""

# One page of aliases for each of many collections (a search page showing each one's aliases):
# one statement for all of them instead of a transaction per collection, answered as one row so
# it runs as an auto-commit read (one round trip, no COMMIT).
ALIAS_PAGES: LiteralString = """
UNWIND $collection_ids AS collection_id
CALL (collection_id) {
  OPTIONAL MATCH (a:CollectionAlias)-[:POINTS_TO]->(v:ArtifactVersion)
  USING INDEX a:CollectionAlias(collection_id, name)
  WHERE a.collection_id = collection_id AND a.name IS NOT NULL
  OPTIONAL MATCH (v)-[l:LINKED_TO {collection_id: collection_id}]->(:Collection)
  WITH a, v, l
  ORDER BY CASE a.name WHEN 'latest' THEN 0 ELSE 1 END, a.name
  WITH collect(CASE WHEN a IS NULL THEN null
               ELSE {name: a.name, version_id: v.id, index: l.index} END) AS aliases
  RETURN aliases[$offset..$offset + $limit] AS page
}
WITH collection_id, page,
     COUNT {
       MATCH (a:CollectionAlias) USING INDEX a:CollectionAlias(collection_id, name)
       WHERE a.collection_id = collection_id AND a.name IS NOT NULL
     } AS total
RETURN collect({collection_id: collection_id, page: page, total: total}) AS pages
"""

COUNT_HISTORY: LiteralString = """
MATCH (m:CollectionAliasMove)
WHERE m.collection_id = $collection_id AND m.seq IS NOT NULL  // the (collection_id, seq) index
  AND ($alias IS NULL OR m.alias = $alias)
RETURN count(m) AS total
"""

# Ordered by both properties of the (collection_id, seq) index so the page is read off the index.
HISTORY: LiteralString = """
MATCH (m:CollectionAliasMove)
WHERE m.collection_id = $collection_id AND m.seq >= 0 AND ($alias IS NULL OR m.alias = $alias)
WITH m ORDER BY m.collection_id DESC, m.seq DESC SKIP $offset LIMIT $limit
RETURN m {.alias, .seq, .from_version_id, .from_index, .to_version_id, .to_index, .at, .by}
  AS move
"""


def user_alias(alias: str, *, field: str = "alias") -> str:
    """An alias users may set or remove in a collection: any alias name
    (`graph.core.validation.validate_alias`) but `latest` in any case, which the registry keeps
    itself."""
    validate_alias(alias, field=field)
    if is_latest(alias):
        raise InvalidInput("'latest' is kept by the registry and cannot be set", field=field)
    return alias


def check_protected(
    collection: LockedCollection, aliases: list[str], may_change_protected: bool
) -> None:
    """`PROTECTED_ALIAS` unless the caller may change every protected alias in `aliases`; an
    alias differing from a protected one only in case (`PROD` beside `prod`) is protected too."""
    keys = {alias_key(name) for name in collection.protected_aliases}
    protected = sorted(name for name in set(aliases) if alias_key(name) in keys)
    if protected and not may_change_protected:
        raise ProtectedAlias(
            f"Alias {protected[0]!r} is protected in registry {collection.registry_name!r}: "
            "only registry admins may set, move or remove it",
            field="alias",
        )


async def point_alias_tx(
    tx: AsyncManagedTransaction,
    collection: LockedCollection,
    alias: str,
    target: Selected,
    *,
    actor: str,
) -> bool:
    """Point `alias` at `target` (a version linked to the locked collection); False if it did."""
    row = await fetch_one(
        tx,
        MOVE_ALIAS,
        id=new_id(),
        collection_id=collection.id,
        alias=alias,
        version_id=target.version_id,
        to_index=target.index,
        now=now(),
        actor=actor,
    )
    if row is None:
        return False
    await _record_move_tx(
        tx, collection, alias, row["from_version_id"], row["from_index"], target, actor, kept=True
    )
    return True


async def drop_alias_tx(
    tx: AsyncManagedTransaction, collection: LockedCollection, alias: str, *, actor: str
) -> bool:
    """Delete `alias` from the locked collection, keeping the removal in its history."""
    row = await fetch_one(tx, CURRENT_TARGET, collection_id=collection.id, alias=alias)
    if row is None:
        return False
    await tx.run(DELETE_ALIAS, collection_id=collection.id, alias=alias)
    await _record_move_tx(tx, collection, alias, row["version_id"], row["index"], None, actor)
    return True


async def aliases_of_version_tx(
    tx: AsyncManagedTransaction, collection: LockedCollection, version_id: str
) -> list[str]:
    rows = await fetch_all(
        tx, ALIASES_OF_VERSION, collection_id=collection.id, version_id=version_id
    )
    return sorted(row["name"] for row in rows)


async def _record_move_tx(
    tx: AsyncManagedTransaction,
    collection: LockedCollection,
    alias: str,
    from_version_id: str | None,
    from_index: int | None,
    target: Selected | None,
    actor: str,
    *,
    kept: bool = False,
) -> None:
    """Keep a move as a `CollectionAliasMove` (unless `MOVE_ALIAS` has: `kept`), with its event
    and its audit entry."""
    if not kept:
        await tx.run(
            RECORD_MOVE,
            id=new_id(),
            collection_id=collection.id,
            alias=alias,
            from_version_id=from_version_id,
            from_index=from_index,
            to_version_id=None if target is None else target.version_id,
            to_index=None if target is None else target.index,
            now=now(),
            actor=actor,
        )
    await record_collection_alias_event_tx(
        tx,
        org_id=collection.org_id,
        org=collection.org_name,
        registry=collection.registry_name,
        collection=collection.name,
        collection_id=collection.id,
        alias=alias,
        from_version=(
            None if from_version_id is None or from_index is None else (from_version_id, from_index)
        ),
        to_version=None if target is None else (target.version_id, target.index),
        actor=actor,
    )
    action = "collection_alias.remove" if target is None else "collection_alias.move"
    await record_audit_tx(
        tx,
        org_id=collection.org_id,
        actor=actor,
        action=action,
        target_kind="Collection",
        target_id=collection.id,
        details={
            "alias": alias,
            "path": collection.path,
            "from": None if from_index is None else f"v{from_index}",
            "to": None if target is None else f"v{target.index}",
        },
    )


async def set_collection_alias(
    graph: Graph, target: RegistryPath, alias: str, *, actor: str, may_change_protected: bool
) -> MembershipRecord:
    """Point `alias` at the version `target` (`...:vN` or `...:other-alias`) names.

    Moving an alias onto the version it already names changes nothing and records nothing.
    """
    user_alias(alias)
    if target.selector is None:
        raise InvalidInput("Name the version to alias with ':vN' or ':<alias>'", field="path")
    selector = target.selector

    async def work(tx: AsyncManagedTransaction) -> MembershipRecord:
        collection = await lock_collection_tx(tx, target)
        check_protected(collection, [alias], may_change_protected)
        selected = await select_version_tx(tx, collection, selector)
        await point_alias_tx(tx, collection, alias, selected, actor=actor)
        return await membership_tx(tx, collection.id, selected.version_id)

    return await graph.write(work)


async def remove_collection_alias(
    graph: Graph,
    collection_path: RegistryPath,
    alias: str,
    *,
    actor: str,
    may_change_protected: bool,
) -> bool:
    """Remove a user alias from a collection; False when it did not exist."""
    user_alias(alias)

    async def work(tx: AsyncManagedTransaction) -> bool:
        collection = await lock_collection_tx(tx, collection_path)
        check_protected(collection, [alias], may_change_protected)
        return await drop_alias_tx(tx, collection, alias, actor=actor)

    return await graph.write(work)


async def collection_aliases(
    graph: Graph, collection_id: str, offset: int, limit: int
) -> tuple[list[AliasRecord], int]:
    """One page of a collection's aliases (`latest` first, then by name) and their number."""
    pages = await collection_alias_pages(graph, [collection_id], offset, limit)
    return pages.get(collection_id, ([], 0))


async def collection_alias_pages(
    graph: Graph, collection_ids: list[str], offset: int, limit: int
) -> dict[str, tuple[list[AliasRecord], int]]:
    """The same page of aliases of each collection, with each one's number of aliases."""
    record = await graph.read_record(
        ALIAS_PAGES, collection_ids=collection_ids, offset=offset, limit=limit
    )
    rows: list[dict[str, Any]] = [] if record is None else record["pages"]
    return {
        row["collection_id"]: (
            [AliasRecord(a["name"], a["version_id"], int(a["index"])) for a in row["page"]],
            int(row["total"]),
        )
        for row in rows
    }


async def alias_history(
    graph: Graph, collection_id: str, alias: str | None, offset: int, limit: int
) -> tuple[list[AliasMoveRecord], int]:
    """One page of alias changes in a collection (one alias, or all), newest first."""

    async def work(tx: AsyncManagedTransaction) -> tuple[list[AliasMoveRecord], int]:
        params = {"collection_id": collection_id, "alias": alias}
        total = await fetch_one(tx, COUNT_HISTORY, **params)
        rows = await fetch_all(tx, HISTORY, offset=offset, limit=limit, **params)
        return [_move(row["move"]) for row in rows], int(total["total"] if total else 0)

    return await graph.read(work)


def _move(row: dict[str, object]) -> AliasMoveRecord:
    def opt_int(value: object) -> int | None:
        return None if value is None else int(str(value))

    return AliasMoveRecord(
        alias=str(row["alias"]),
        seq=int(str(row["seq"])),
        from_version_id=None if row.get("from_version_id") is None else str(row["from_version_id"]),
        from_index=opt_int(row.get("from_index")),
        to_version_id=None if row.get("to_version_id") is None else str(row["to_version_id"]),
        to_index=opt_int(row.get("to_index")),
        at=native_datetime(row["at"]) or now(),
        by=str(row.get("by") or "anonymous"),
    )
