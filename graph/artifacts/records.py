"""Plain records of artifacts, versions and aliases, and the Cypher projections that feed them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from graph.core.values import native_datetime, now

ARTIFACT_FIELDS: LiteralString = """a {.id, .project_id, .org_id, .org_name, .project_name, .name,
  .type, .description, .tags, .created_at, .keep_last}"""

VERSION_FIELDS: LiteralString = """v {.id, .artifact_id, .artifact_name, .artifact_type,
  .project_id, .project_name, .org_id, .org_name, .index, .digest, .size, .file_count,
  .description, .metadata, .tags, .created_at, .created_by, .state, .ttl_seconds, .expires_at,
  .manifest_digest, .manifest_size, .deleted_at, .deleted_by}"""


@dataclass(frozen=True)
class ArtifactRecord:
    id: str
    org_id: str
    org_name: str
    project_id: str
    project_name: str
    name: str
    type: str
    description: str | None
    tags: list[str]
    created_at: datetime
    keep_last: int | None

    @property
    def path(self) -> str:
        return f"{self.org_name}/{self.project_name}/{self.name}"


@dataclass(frozen=True)
class VersionRecord:
    id: str
    artifact_id: str
    artifact_name: str
    artifact_type: str
    org_id: str
    org_name: str
    project_id: str
    project_name: str
    index: int
    digest: str
    size: int
    file_count: int
    description: str | None
    metadata: dict[str, Any]
    tags: list[str]
    created_at: datetime
    created_by: str | None
    state: str
    ttl_seconds: int | None
    expires_at: datetime | None
    manifest_digest: str
    manifest_size: int
    deleted_at: datetime | None = None
    """When a DELETED version (a tombstone, answered only as of an earlier moment) went."""
    deleted_by: str | None = None

    @property
    def path(self) -> str:
        return f"{self.org_name}/{self.project_name}/{self.artifact_name}:v{self.index}"


@dataclass(frozen=True)
class ManifestLayout:
    """Where a version's entries are: its page blobs, in order, and how many entries each holds."""

    version_id: str
    file_count: int
    page_digests: list[str]
    page_counts: list[int]


@dataclass(frozen=True)
class AliasEventRecord:
    """One add, move or removal of an alias: `from_index` / `to_index` are None at the ends."""

    id: str
    artifact_id: str
    alias: str
    action: str
    from_version_id: str | None
    from_index: int | None
    to_version_id: str | None
    to_index: int | None
    actor: str
    at: datetime


def artifact_record(row: dict[str, Any]) -> ArtifactRecord:
    return ArtifactRecord(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        project_id=row["project_id"],
        project_name=row["project_name"],
        name=row["name"],
        type=row["type"],
        description=row.get("description"),
        tags=list(row.get("tags") or []),
        created_at=native_datetime(row["created_at"]) or now(),
        keep_last=row.get("keep_last"),
    )


def version_record(row: dict[str, Any]) -> VersionRecord:
    return VersionRecord(
        id=row["id"],
        artifact_id=row["artifact_id"],
        artifact_name=row["artifact_name"],
        artifact_type=row["artifact_type"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        project_id=row["project_id"],
        project_name=row["project_name"],
        index=int(row["index"]),
        digest=row["digest"],
        size=int(row["size"] or 0),
        file_count=int(row["file_count"] or 0),
        description=row.get("description"),
        metadata=json.loads(row.get("metadata") or "{}"),
        tags=list(row.get("tags") or []),
        created_at=native_datetime(row["created_at"]) or now(),
        created_by=row.get("created_by"),
        state=row["state"],
        ttl_seconds=row.get("ttl_seconds"),
        expires_at=native_datetime(row.get("expires_at")),
        manifest_digest=row["manifest_digest"],
        manifest_size=int(row.get("manifest_size") or 0),
        deleted_at=native_datetime(row.get("deleted_at")),
        deleted_by=row.get("deleted_by"),
    )


def alias_event_record(row: dict[str, Any]) -> AliasEventRecord:
    return AliasEventRecord(
        id=row["id"],
        artifact_id=row["artifact_id"],
        alias=row["alias"],
        action=row["action"],
        from_version_id=row.get("from_version_id"),
        from_index=row.get("from_index"),
        to_version_id=row.get("to_version_id"),
        to_index=row.get("to_index"),
        actor=row["actor"],
        at=native_datetime(row["at"]) or now(),
    )
