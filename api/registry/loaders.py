"""Per-request batch functions for the registry types (one Cypher `UNWIND` per batch)."""

from __future__ import annotations

from api.context import Context
from graph.registry import aliases, collections, registries
from graph.registry import versions as registry_versions
from graph.registry.aliases import AliasRecord
from graph.registry.records import CollectionRecord, MembershipRecord, RegistryRecord


async def load_registries(context: Context, ids: list[str]) -> list[RegistryRecord | None]:
    return await registries.registries_by_ids(context.graph, ids)


async def load_collections(context: Context, ids: list[str]) -> list[CollectionRecord | None]:
    return await collections.collections_by_ids(context.graph, ids)


async def load_memberships(context: Context, keys: list[str]) -> list[MembershipRecord | None]:
    """Keys are `collection_id:version_id`."""
    return await registry_versions.memberships_by_keys(context.graph, keys)


AliasPageKey = tuple[str, int, int]
"""`(collection_id, offset, limit)`: one page of one collection's aliases."""


async def load_alias_pages(
    context: Context, keys: list[AliasPageKey]
) -> list[tuple[list[AliasRecord], int]]:
    """Pages of several collections' aliases: one statement per distinct (offset, limit), which
    for a page of collections each showing its aliases is one statement in all."""
    found: dict[AliasPageKey, tuple[list[AliasRecord], int]] = {}
    for offset, limit in {(offset, limit) for _, offset, limit in keys}:
        ids = sorted({cid for cid, o, lim in keys if (o, lim) == (offset, limit)})
        pages = await aliases.collection_alias_pages(context.graph, ids, offset, limit)
        for cid in ids:
            found[(cid, offset, limit)] = pages.get(cid, ([], 0))
    return [found[key] for key in keys]
