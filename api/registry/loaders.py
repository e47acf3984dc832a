"""Per-request batch functions for the registry types (one Cypher `UNWIND` per batch)."""

from __future__ import annotations

from api.context import Context
from graph.registry import collections, registries
from graph.registry import versions as registry_versions
from graph.registry.records import CollectionRecord, MembershipRecord, RegistryRecord


async def load_registries(context: Context, ids: list[str]) -> list[RegistryRecord | None]:
    return await registries.registries_by_ids(context.graph, ids)


async def load_collections(context: Context, ids: list[str]) -> list[CollectionRecord | None]:
    return await collections.collections_by_ids(context.graph, ids)


async def load_memberships(context: Context, keys: list[str]) -> list[MembershipRecord | None]:
    """Keys are `collection_id:version_id`."""
    return await registry_versions.memberships_by_keys(context.graph, keys)
