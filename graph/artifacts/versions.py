"""Looking up committed versions: by id, by path (resolved by `graph.artifacts.resolve`), per
artifact.

Only COMMITTED versions are ever returned; drafts and deleted versions are invisible here.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.records import (
    VERSION_FIELDS,
    ManifestLayout,
    VersionRecord,
    version_record,
)
from graph.artifacts.resolve import resolve_version_tx
from graph.core.driver import Graph
from graph.core.refs import VersionRef
from graph.core.tx import fetch_all, fetch_one, fetch_page

VERSIONS_BY_ID: LiteralString = (
    """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
WHERE v.state = 'COMMITTED'
RETURN """
    + VERSION_FIELDS
    + " AS version"
)

COUNT_VERSIONS_OF_ARTIFACT: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN count(v) AS total
"""

VERSIONS_OF_ARTIFACT: LiteralString = (
    """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN """
    + VERSION_FIELDS
    + """ AS version
ORDER BY v.index DESC
SKIP $offset LIMIT $limit
"""
)

LAYOUTS: LiteralString = """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
WHERE v.state = 'COMMITTED'
RETURN v.id AS id, v.file_count AS file_count, v.page_digests AS page_digests,
       v.page_counts AS page_counts
"""

# The producer is the first run; later ones logged identical content and re-produced it.
PRODUCERS: LiteralString = """
UNWIND $ids AS id
CALL (id) {
  MATCH (r:Run)-[e:PRODUCED]->(:ArtifactVersion {id: id})
  RETURN r ORDER BY e.at, r.id LIMIT 1
}
RETURN id, r.id AS run_id
"""


async def version_by_ref(graph: Graph, ref: VersionRef) -> VersionRecord | None:
    """The committed version a path names (`graph.artifacts.resolve`), or None."""

    async def work(tx: AsyncManagedTransaction) -> VersionRecord | None:
        found = await resolve_version_tx(tx, ref)
        if found is None:
            return None
        row = await fetch_one(tx, VERSIONS_BY_ID, ids=[found.id])
        return None if row is None else version_record(row["version"])

    return await graph.read(work)


async def versions_by_ids(graph: Graph, ids: list[str]) -> list[VersionRecord | None]:
    """Committed versions in the order of `ids`, None where absent (or not committed)."""
    rows = await graph.read(fetch_all, VERSIONS_BY_ID, ids=ids)
    found = {row["version"]["id"]: version_record(row["version"]) for row in rows}
    return [found.get(i) for i in ids]


async def versions_of_artifact(
    graph: Graph, artifact_id: str, offset: int, limit: int
) -> tuple[list[VersionRecord], int]:
    """One page of an artifact's committed versions, newest first, and their number."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_VERSIONS_OF_ARTIFACT,
        VERSIONS_OF_ARTIFACT,
        artifact_id=artifact_id,
        offset=offset,
        limit=limit,
    )
    return [version_record(row["version"]) for row in rows], total


async def manifest_layouts(graph: Graph, ids: list[str]) -> list[ManifestLayout | None]:
    """Where each version's entries are stored, in the order of `ids`."""
    rows = await graph.read(fetch_all, LAYOUTS, ids=ids)
    found = {
        row["id"]: ManifestLayout(
            version_id=row["id"],
            file_count=int(row["file_count"] or 0),
            page_digests=list(row["page_digests"] or []),
            page_counts=[int(count) for count in _list(row["page_counts"])],
        )
        for row in rows
    }
    return [found.get(i) for i in ids]


async def producers(graph: Graph, ids: list[str]) -> list[str | None]:
    """The id of the run that produced each version, or None; in the order of `ids`."""
    rows = await graph.read(fetch_all, PRODUCERS, ids=ids)
    found = {row["id"]: row["run_id"] for row in rows}
    return [found.get(i) for i in ids]


def _list(value: Any) -> list[Any]:
    """A list property that may be absent (null) on older nodes."""
    return list(value) if value else []
