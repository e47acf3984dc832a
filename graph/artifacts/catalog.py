"""Artifacts: named, typed series of versions inside a project.

An artifact node is created by the first commit of a version (never by a draft), so an artifact
always has or had a version. Its name is unique in its project whatever its type.
"""

from __future__ import annotations

from typing import LiteralString

from graph.artifacts.records import ARTIFACT_FIELDS, ArtifactRecord, artifact_record
from graph.core.driver import Graph
from graph.core.errors import Conflict, NotFound
from graph.core.refs import ArtifactKey
from graph.core.tx import fetch_all, fetch_one, fetch_page

ARTIFACT_BY_KEY: LiteralString = (
    """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: $name})
RETURN """
    + ARTIFACT_FIELDS
    + " AS artifact"
)

ARTIFACTS_BY_ID: LiteralString = (
    """
UNWIND $ids AS id
MATCH (a:Artifact {id: id})
RETURN """
    + ARTIFACT_FIELDS
    + " AS artifact"
)

COUNT_ARTIFACTS_OF_PROJECT: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact)
WHERE $type IS NULL OR a.type = $type
RETURN count(a) AS total
"""

ARTIFACTS_OF_PROJECT: LiteralString = (
    """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact)
WHERE $type IS NULL OR a.type = $type
RETURN """
    + ARTIFACT_FIELDS
    + """ AS artifact
ORDER BY a.name
SKIP $offset LIMIT $limit
"""
)

VERSION_COUNTS: LiteralString = """
UNWIND $ids AS id
MATCH (:Artifact {id: id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN id, count(v) AS total
"""


async def artifact_by_key(graph: Graph, key: ArtifactKey) -> ArtifactRecord | None:
    row = await graph.read(
        fetch_one, ARTIFACT_BY_KEY, org=key.org, project=key.project, name=key.name
    )
    return None if row is None else artifact_record(row["artifact"])


async def require_artifact(graph: Graph, key: ArtifactKey) -> ArtifactRecord:
    artifact = await artifact_by_key(graph, key)
    if artifact is None:
        raise NotFound(f"Artifact {key} not found", field="artifact")
    return artifact


async def check_type(graph: Graph, key: ArtifactKey, type_: str) -> ArtifactRecord | None:
    """The existing artifact (or None); CONFLICT when it exists with another type."""
    artifact = await artifact_by_key(graph, key)
    if artifact is not None and artifact.type != type_:
        raise Conflict(
            f"Artifact {key} exists with type {artifact.type!r}, not {type_!r}", field="type"
        )
    return artifact


async def artifacts_by_ids(graph: Graph, ids: list[str]) -> list[ArtifactRecord | None]:
    rows = await graph.read(fetch_all, ARTIFACTS_BY_ID, ids=ids)
    found = {row["artifact"]["id"]: artifact_record(row["artifact"]) for row in rows}
    return [found.get(i) for i in ids]


async def artifacts_of_project(
    graph: Graph, org: str, project: str, type_: str | None, offset: int, limit: int
) -> tuple[list[ArtifactRecord], int]:
    """One page of a project's artifacts by name (optionally of one type), and their number."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_ARTIFACTS_OF_PROJECT,
        ARTIFACTS_OF_PROJECT,
        org=org,
        project=project,
        type=type_,
        offset=offset,
        limit=limit,
    )
    return [artifact_record(row["artifact"]) for row in rows], total


async def version_counts(graph: Graph, ids: list[str]) -> list[int]:
    """How many committed versions each artifact has, in the order of `ids`."""
    rows = await graph.read(fetch_all, VERSION_COUNTS, ids=ids)
    found = {row["id"]: int(row["total"]) for row in rows}
    return [found.get(i, 0) for i in ids]
