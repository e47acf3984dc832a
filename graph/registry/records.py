"""Plain records of the registry feature (registries, collections, linked versions) and the
Cypher projections that produce them, shared by the registry query modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, LiteralString

from graph.core.refs import LATEST, collection_path, registry_version_path
from graph.core.values import from_micros, now


class Visibility(Enum):
    """Who sees a registry: only its members (`RESTRICTED`) or the whole organisation."""

    RESTRICTED = "RESTRICTED"
    ORGANIZATION = "ORGANIZATION"


class RegistryRole(Enum):
    """A user's role in one registry, stored as `(:User)-[:REGISTRY_ROLE {role}]->(:Registry)`."""

    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


@dataclass(frozen=True)
class RegistryRecord:
    id: str
    org_id: str
    org_name: str
    name: str
    description: str
    accepts_any_type: bool
    accepted_types: tuple[str, ...]
    visibility: Visibility
    protected_aliases: tuple[str, ...]
    is_core: bool
    created_at: datetime
    created_by: str

    def accepts(self, artifact_type: str) -> bool:
        return self.accepts_any_type or artifact_type in self.accepted_types


@dataclass(frozen=True)
class CollectionRecord:
    id: str
    registry_id: str
    registry_name: str
    org_id: str
    org_name: str
    name: str
    type: str
    description: str
    tags: tuple[str, ...]
    created_at: datetime
    created_by: str
    version_count: int

    @property
    def path(self) -> str:
        return collection_path(self.org_name, self.registry_name, self.name)


@dataclass(frozen=True)
class RunRef:
    """The run that produced a version: `(Run)-[:PRODUCED]->(ArtifactVersion)`."""

    id: str
    name: str | None
    job_type: str | None
    project_name: str | None


@dataclass(frozen=True)
class SourceVersion:
    """The project-scoped ArtifactVersion behind a registry version."""

    id: str
    artifact_id: str
    artifact_name: str
    artifact_type: str
    org_name: str
    project_name: str
    index: int | None
    digest: str | None
    size: int | None
    file_count: int | None
    description: str | None
    created_at: datetime | None
    created_by: str | None

    @property
    def path(self) -> str:
        """`org/project/name:vN`, the version's own path in its project."""
        return f"{self.org_name}/{self.project_name}/{self.artifact_name}:v{self.index}"


@dataclass(frozen=True)
class MembershipRecord:
    """One `LINKED_TO` edge: a version as it appears in a collection."""

    collection_id: str
    collection_name: str
    collection_type: str
    registry_id: str
    registry_name: str
    org_name: str
    index: int
    linked_at: datetime
    linked_by: str
    aliases: tuple[str, ...]
    version: SourceVersion
    producing_run: RunRef | None

    @property
    def key(self) -> str:
        return membership_key(self.collection_id, self.version.id)

    @property
    def path(self) -> str:
        return registry_version_path(
            self.org_name, self.registry_name, self.collection_name, self.index
        )


def membership_key(collection_id: str, version_id: str) -> str:
    """The stable identity of a membership: one version appears at most once per collection."""
    return f"{collection_id}:{version_id}"


REGISTRY_PROJECTION: LiteralString = """
r {.id, .org_id, .org_name, .name, .description, .accepts_any_type, .accepted_types,
   .visibility, .protected_aliases, .is_core, .created_by,
   created_at: r.created_at.epochSeconds * 1000000 + r.created_at.microsecond}
"""

COLLECTION_PROJECTION: LiteralString = """
c {.id, .registry_id, .registry_name, .org_id, .org_name, .name, .type, .description, .tags,
   created_at: c.created_at.epochSeconds * 1000000 + c.created_at.microsecond, .created_by,
   version_count: COUNT { (c)<-[:LINKED_TO]-() }}
"""

# Expects `v`, `l` (the LINKED_TO edge) and `c` bound; one row per membership.
MEMBERSHIP_PROJECTION: LiteralString = """
{collection_id: c.id, collection_name: c.name, collection_type: c.type,
 registry_id: c.registry_id, registry_name: c.registry_name, org_name: c.org_name,
 index: l.index, linked_by: l.linked_by,
 linked_at: l.linked_at.epochSeconds * 1000000 + l.linked_at.microsecond,
 aliases: [(a:CollectionAlias)-[:POINTS_TO]->(v) WHERE a.collection_id = c.id | a.name],
 version: v {.id, .artifact_id, .artifact_name, .artifact_type, .org_name, .project_name,
             .index, .digest, .size, .file_count, .description,
             created_at: v.created_at.epochSeconds * 1000000 + v.created_at.microsecond,
             .created_by},
 run: [(run:Run)-[:PRODUCED]->(v) |
       run {.id, .name, .job_type, project_name: [(p:Project)-[:HAS_RUN]->(run) | p.name][0]}][0]}
"""


def registry_record(row: dict[str, Any]) -> RegistryRecord:
    return RegistryRecord(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        name=row["name"],
        description=row.get("description") or "",
        accepts_any_type=bool(row.get("accepts_any_type")),
        accepted_types=tuple(row.get("accepted_types") or ()),
        visibility=Visibility(row.get("visibility") or Visibility.ORGANIZATION.value),
        protected_aliases=tuple(row.get("protected_aliases") or ()),
        is_core=bool(row.get("is_core")),
        created_at=from_micros(row.get("created_at")) or now(),
        created_by=row.get("created_by") or "system",
    )


def collection_record(row: dict[str, Any]) -> CollectionRecord:
    return CollectionRecord(
        id=row["id"],
        registry_id=row["registry_id"],
        registry_name=row["registry_name"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        name=row["name"],
        type=row["type"],
        description=row.get("description") or "",
        tags=tuple(row.get("tags") or ()),
        created_at=from_micros(row.get("created_at")) or now(),
        created_by=row.get("created_by") or "system",
        version_count=int(row.get("version_count") or 0),
    )


def membership_record(row: dict[str, Any]) -> MembershipRecord:
    version = row["version"]
    run = row.get("run")
    return MembershipRecord(
        collection_id=row["collection_id"],
        collection_name=row["collection_name"],
        collection_type=row["collection_type"],
        registry_id=row["registry_id"],
        registry_name=row["registry_name"],
        org_name=row["org_name"],
        index=int(row["index"]),
        linked_at=from_micros(row["linked_at"]) or now(),
        linked_by=row.get("linked_by") or "anonymous",
        aliases=tuple(sorted(row.get("aliases") or (), key=_alias_order)),
        version=SourceVersion(
            id=version["id"],
            artifact_id=version.get("artifact_id") or "",
            artifact_name=version.get("artifact_name") or "",
            artifact_type=version.get("artifact_type") or "",
            org_name=version.get("org_name") or "",
            project_name=version.get("project_name") or "",
            index=version.get("index"),
            digest=version.get("digest"),
            size=version.get("size"),
            file_count=version.get("file_count"),
            description=version.get("description"),
            created_at=from_micros(version.get("created_at")),
            created_by=version.get("created_by"),
        ),
        producing_run=None
        if run is None
        else RunRef(
            id=run["id"],
            name=run.get("name"),
            job_type=run.get("job_type"),
            project_name=run.get("project_name"),
        ),
    )


def _alias_order(name: str) -> tuple[int, str]:
    """`latest` first, then the others by name: a stable order for display and tests."""
    return (0 if name == LATEST else 1, name)
