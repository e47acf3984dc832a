"""Registry paths as they resolved at a moment.

What keeps the registry's past: an unlink turns the `LINKED_TO` edge into a `WAS_LINKED_TO` edge
with the same properties plus `unlinked_at` / `unlinked_by` (links.py), and every collection
alias change is a `CollectionAliasMove` (seq, time, from/to). So `org/registry-R/c:vN` as of T is
the version linked at index N by T and not unlinked by T; `:alias` is the version the alias's last
move at or before T pointed it at; no selector means `latest`. The answer's aliases are the ones
that named it at T. Only collections that still exist are answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.refs import LATEST, RegistryPath
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import native_datetime
from graph.registry.records import MEMBERSHIP_PROJECTION, MembershipRecord, membership_record
from graph.registry.versions import COLLECTION_OF_PATH

AS_OF_INDEX: LiteralString = (
    """
MATCH (c:Collection {id: $collection_id})  // from the collection: a two-type pattern has no index
MATCH (v:ArtifactVersion)-[l:LINKED_TO|WAS_LINKED_TO]->(c)
WHERE l.collection_id = $collection_id AND l.index = $index
  AND l.linked_at <= $as_of AND (l.unlinked_at IS NULL OR l.unlinked_at > $as_of)
RETURN """
    + MEMBERSHIP_PROJECTION
    + """ AS membership, l.unlinked_at AS unlinked_at
"""
)

MOVES_UNTIL: LiteralString = """
MATCH (m:CollectionAliasMove)
WHERE m.collection_id = $collection_id AND m.seq >= 0 AND m.at <= $as_of
RETURN m.alias AS alias, m.to_index AS to_index
ORDER BY m.seq
"""

NEWEST_AT: LiteralString = """
MATCH (c:Collection {id: $collection_id})  // from the collection: a two-type pattern has no index
MATCH (v:ArtifactVersion)-[l:LINKED_TO|WAS_LINKED_TO]->(c)
WHERE l.collection_id = $collection_id
  AND l.linked_at <= $as_of AND (l.unlinked_at IS NULL OR l.unlinked_at > $as_of)
RETURN max(l.index) AS index
"""


@dataclass(frozen=True)
class PastMembership:
    membership: MembershipRecord
    """As it was at the moment; its `aliases` are the ones that named it then."""
    unlinked_at: datetime | None
    """When it was unlinked since, or None while it is still linked."""


async def _as_of_tx(
    tx: AsyncManagedTransaction, path: RegistryPath, as_of: datetime
) -> PastMembership | None:
    found = await fetch_one(
        tx, COLLECTION_OF_PATH, org=path.org, registry=path.registry, collection=path.collection
    )
    if found is None:
        return None
    collection_id = found["id"]
    moves = await fetch_all(tx, MOVES_UNTIL, collection_id=collection_id, as_of=as_of)
    aliases: dict[str, int | None] = {}
    for move in moves:  # replayed in order: the last move of each alias wins
        aliases[move["alias"]] = move["to_index"]
    index = path.index
    if index is None:
        alias = path.alias or LATEST
        if alias in aliases:
            index = aliases[alias]
        elif alias == LATEST:
            newest = await fetch_one(tx, NEWEST_AT, collection_id=collection_id, as_of=as_of)
            index = None if newest is None else newest["index"]
        if index is None:
            return None
    row = await fetch_one(tx, AS_OF_INDEX, collection_id=collection_id, index=index, as_of=as_of)
    if row is None:
        return None
    record = membership_record(row["membership"])
    named = tuple(sorted(alias for alias, at in aliases.items() if at == record.index))
    return PastMembership(
        membership=replace(record, aliases=named),
        unlinked_at=native_datetime(row["unlinked_at"]),
    )


async def membership_as_of(
    graph: Graph, path: RegistryPath, as_of: datetime
) -> PastMembership | None:
    """The linked version `path` named at `as_of` (see the module doc), or None."""
    return await graph.read(_as_of_tx, path, as_of)
