"""Editing what describes artifacts and versions after commit: descriptions, metadata, tags.

Only these fields change; a version's files, manifest and digest never do, so a digest-equal
re-log still returns the existing version (whose edited fields it leaves as they are). Each
field given replaces the stored value whole (`None` leaves it as it is; `""`, `{}`, `[]`
clear it) after the same validation as at creation.

Every update is one transaction that first takes the artifact's write lock (`a._lock`, the lock
commits and deletions take), so concurrent updates of one artifact or its versions run one after
the other: each sees the previous one's result, the last writer wins per field, and none is lost
silently. An update that changes nothing writes nothing and records no audit event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.fields import encode_metadata, validate_description
from graph.artifacts.records import (
    ARTIFACT_FIELDS,
    VERSION_FIELDS,
    ArtifactRecord,
    VersionRecord,
    artifact_record,
    version_record,
)
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.validation import validate_tags

LOCK_ARTIFACT_OF_VERSION: LiteralString = """
MATCH (a:Artifact)-[:HAS_VERSION]->(:ArtifactVersion {id: $version_id})
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.id AS artifact_id
"""

LOCK_ARTIFACT: LiteralString = """
MATCH (a:Artifact {id: $artifact_id})
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.id AS artifact_id
"""

# Read under the lock: a version deleted meanwhile is no longer COMMITTED and is not found.
COMMITTED_VERSION: LiteralString = (
    """
MATCH (v:ArtifactVersion {id: $version_id})
WHERE v.state = 'COMMITTED'
RETURN """
    + VERSION_FIELDS
    + " AS version"
)

SET_VERSION_FIELDS: LiteralString = (
    """
MATCH (v:ArtifactVersion {id: $version_id})
SET v.description = coalesce($description, v.description),
    v.metadata = coalesce($metadata, v.metadata),
    v.tags = coalesce($tags, v.tags)
RETURN """
    + VERSION_FIELDS
    + " AS version"
)

ARTIFACT_BY_ID: LiteralString = (
    "MATCH (a:Artifact {id: $artifact_id}) RETURN " + ARTIFACT_FIELDS + " AS artifact"
)

SET_ARTIFACT_FIELDS: LiteralString = (
    """
MATCH (a:Artifact {id: $artifact_id})
SET a.description = coalesce($description, a.description),
    a.tags = coalesce($tags, a.tags)
RETURN """
    + ARTIFACT_FIELDS
    + " AS artifact"
)


@dataclass(frozen=True)
class VersionChanges:
    """Validated new values; None leaves a field as it is."""

    description: str | None = None
    metadata: str | None = None
    """Encoded as at creation (compact JSON, keys sorted)."""
    tags: list[str] | None = None


def version_changes(
    *, description: str | None, metadata: Any | None, tags: list[str] | None
) -> VersionChanges:
    """Validate like at creation: INVALID_INPUT, INVALID_NAME or METADATA_TOO_LARGE."""
    return VersionChanges(
        description=validate_description(description),
        metadata=None if metadata is None else encode_metadata(metadata),
        tags=None if tags is None else validate_tags(tags),
    )


def _metadata_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """Which top-level keys were added, removed or changed (names only: values can be large)."""
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(k for k in set(before) & set(after) if before[k] != after[k]),
    }


def _version_details(before: VersionRecord, after: VersionRecord) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if before.description != after.description:
        details["description"] = [before.description, after.description]
    if before.tags != after.tags:
        details["tags"] = [before.tags, after.tags]
    if before.metadata != after.metadata:
        details["metadata"] = _metadata_diff(before.metadata, after.metadata)
    return details


def _unchanged(before: VersionRecord, changes: VersionChanges) -> bool:
    return (
        (changes.description is None or changes.description == before.description)
        and (changes.tags is None or changes.tags == before.tags)
        and (changes.metadata is None or json.loads(changes.metadata) == before.metadata)
    )


async def lock_committed_version_tx(
    tx: AsyncManagedTransaction, version_id: str
) -> dict[str, Any] | None:
    """Hold the version's artifact lock (the lock its commit, updates and deletions take), then
    read the version: None when it was deleted meanwhile or never was COMMITTED."""
    locked = await (await tx.run(LOCK_ARTIFACT_OF_VERSION, version_id=version_id)).single()
    row = await (await tx.run(COMMITTED_VERSION, version_id=version_id)).single()
    return None if locked is None or row is None else dict(row["version"])


async def _update_version_tx(
    tx: AsyncManagedTransaction, version_id: str, changes: VersionChanges, actor: str
) -> VersionRecord:
    found = await lock_committed_version_tx(tx, version_id)
    if found is None:
        raise NotFound("Version not found", field="id")
    before = version_record(found)
    if _unchanged(before, changes):
        return before
    updated = await (
        await tx.run(
            SET_VERSION_FIELDS,
            version_id=version_id,
            description=changes.description,
            metadata=changes.metadata,
            tags=changes.tags,
        )
    ).single(strict=True)
    after = version_record(updated["version"])
    await record_audit_tx(
        tx,
        org_id=after.org_id,
        actor=actor,
        action="artifact_version.update",
        target_kind="ArtifactVersion",
        target_id=version_id,
        details={"path": after.path, **_version_details(before, after)},
    )
    return after


async def update_version(
    graph: Graph, version_id: str, changes: VersionChanges, *, actor: str
) -> VersionRecord:
    """Apply `changes` to a committed version atomically and return it as it now is.

    NOT_FOUND when the version is not (or no longer) committed. Files, manifest and digest are
    never touched.
    """
    return await graph.write(_update_version_tx, version_id, changes, actor)


async def _update_artifact_tx(
    tx: AsyncManagedTransaction,
    artifact_id: str,
    description: str | None,
    tags: list[str] | None,
    actor: str,
) -> ArtifactRecord:
    if await (await tx.run(LOCK_ARTIFACT, artifact_id=artifact_id)).single() is None:
        raise NotFound("Artifact not found", field="id")
    row = await (await tx.run(ARTIFACT_BY_ID, artifact_id=artifact_id)).single(strict=True)
    before = artifact_record(row["artifact"])
    details: dict[str, Any] = {}
    if description is not None and description != before.description:
        details["description"] = [before.description, description]
    if tags is not None and tags != before.tags:
        details["tags"] = [before.tags, tags]
    if not details:
        return before
    updated = await (
        await tx.run(
            SET_ARTIFACT_FIELDS,
            artifact_id=artifact_id,
            description=description,
            tags=tags,
        )
    ).single(strict=True)
    after = artifact_record(updated["artifact"])
    await record_audit_tx(
        tx,
        org_id=after.org_id,
        actor=actor,
        action="artifact.update",
        target_kind="Artifact",
        target_id=artifact_id,
        details={"path": after.path, **details},
    )
    return after


async def update_artifact(
    graph: Graph,
    artifact_id: str,
    *,
    description: str | None = None,
    tags: list[str] | None = None,
    actor: str,
) -> ArtifactRecord:
    """Replace an artifact's description and/or tags (None: unchanged), validated as versions'
    are; atomic, NOT_FOUND when the artifact does not exist. Its versions are not touched."""
    checked_description = validate_description(description)
    checked_tags = None if tags is None else validate_tags(tags)
    return await graph.write(
        _update_artifact_tx, artifact_id, checked_description, checked_tags, actor
    )
