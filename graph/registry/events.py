"""Recording registry events (`graph.core.events`): collections created, versions linked and
unlinked, collection aliases set and removed. Their subject carries the registry and collection
names, so a subscriber's right to read them is checked against the registry (a RESTRICTED one
reaches only its role holders) and filters on registry, collection and alias select them."""

from __future__ import annotations

from typing import Any

from neo4j import AsyncManagedTransaction

from graph.core.events import EventSubject, EventType, NewEvent, global_id, record_events_tx
from graph.core.refs import collection_path, registry_version_path
from graph.registry.records import membership_key


def collection_subject(
    org: str, registry: str, collection: str, collection_id: str
) -> EventSubject:
    return EventSubject(
        kind="Collection",
        id=collection_id,
        path=collection_path(org, registry, collection),
        registry=registry,
        collection=collection,
    )


def linked_version_subject(
    org: str,
    registry: str,
    collection: str,
    collection_id: str,
    version_id: str,
    index: int,
    *,
    alias: str | None = None,
) -> EventSubject:
    return EventSubject(
        kind="RegistryVersion",
        id=membership_key(collection_id, version_id),
        path=registry_version_path(org, registry, collection, index),
        registry=registry,
        collection=collection,
        alias=alias,
    )


async def record_collection_created_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    org: str,
    registry: str,
    collection: str,
    collection_id: str,
    type: str,
    actor: str,
    by_link: bool,
) -> None:
    await record_events_tx(
        tx,
        org_id=org_id,
        actor=actor,
        events=[
            NewEvent(
                EventType.COLLECTION_CREATED,
                collection_subject(org, registry, collection, collection_id),
                {"artifactType": type, "byLink": by_link},
            )
        ],
    )


async def record_link_event_tx(
    tx: AsyncManagedTransaction,
    *,
    type: EventType,
    org_id: str,
    org: str,
    registry: str,
    collection: str,
    collection_id: str,
    version_id: str,
    index: int,
    actor: str,
    details: dict[str, Any] | None = None,
) -> None:
    """VERSION_LINKED or VERSION_UNLINKED of the source version `version_id` at `vN`."""
    await record_events_tx(
        tx,
        org_id=org_id,
        actor=actor,
        events=[
            NewEvent(
                type,
                linked_version_subject(org, registry, collection, collection_id, version_id, index),
                {
                    "version": f"v{index}",
                    "index": index,
                    "artifactVersionId": global_id("ArtifactVersion", version_id),
                    **(details or {}),
                },
            )
        ],
    )


async def record_collection_alias_event_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    org: str,
    registry: str,
    collection: str,
    collection_id: str,
    alias: str,
    from_version: tuple[str, int] | None,
    to_version: tuple[str, int] | None,
    actor: str,
) -> None:
    """ALIAS_SET (onto `to_version`) or ALIAS_REMOVED (from `from_version`); versions are
    (source version id, collection index)."""
    subject_version = to_version or from_version
    if subject_version is None:
        return

    def ref(version: tuple[str, int] | None) -> dict[str, Any] | None:
        if version is None:
            return None
        return {
            "id": global_id("RegistryVersion", membership_key(collection_id, version[0])),
            "path": registry_version_path(org, registry, collection, version[1]),
            "version": f"v{version[1]}",
        }

    await record_events_tx(
        tx,
        org_id=org_id,
        actor=actor,
        events=[
            NewEvent(
                EventType.ALIAS_SET if to_version is not None else EventType.ALIAS_REMOVED,
                linked_version_subject(
                    org,
                    registry,
                    collection,
                    collection_id,
                    subject_version[0],
                    subject_version[1],
                    alias=alias,
                ),
                {
                    "alias": alias,
                    "scope": "collection",
                    "from": ref(from_version),
                    "to": ref(to_version),
                },
            )
        ],
    )
