"""Finding lineage nodes by id, and the details a lineage page shows for artifact versions.

Ids are our uuid hex. Only COMMITTED versions are visible to lineage; a PENDING or DELETED
version is "not found" here. Run details live in `graph.lineage.runs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.values import from_micros
from graph.lineage.model import NodeKind
from graph.lineage.runs import RUN_FIELDS, RunRecord, collected_tx, run_record


@dataclass(frozen=True)
class NodeHandle:
    """A lineage node located in the store: our id, Neo4j's element id, kind and organisation."""

    id: str
    element_id: str
    kind: NodeKind
    org_id: str
    org_name: str


@dataclass(frozen=True)
class VersionSummary:
    """What the lineage page shows for a version (`name:vN`, type, aliases, producer, size...)."""

    id: str
    artifact_id: str
    artifact_name: str
    artifact_type: str
    index: int
    org_name: str
    project_name: str
    description: str | None
    size: int
    created_at: datetime | None
    aliases: tuple[str, ...]
    producer_id: str | None
    deleted_at: datetime | None = None
    """Set for a version deleted since (shown only by walks as of an earlier moment)."""

    @property
    def name(self) -> str:
        return f"{self.artifact_name}:v{self.index}"

    @property
    def project_path(self) -> str:
        return f"{self.org_name}/{self.project_name}"


NODE_HANDLES_AS_OF: LiteralString = """
UNWIND $ids AS id
CALL (id) {
  MATCH (r:Run {id: id})
  WHERE r.created_at <= $as_of
  RETURN r.id AS found, elementId(r) AS eid, 'RUN' AS kind, r.org_id AS org_id
  UNION
  MATCH (v:ArtifactVersion {id: id})
  WHERE v.created_at <= $as_of
    AND (v.state = 'COMMITTED' OR (v.state = 'DELETED' AND v.deleted_at > $as_of))
  RETURN v.id AS found, elementId(v) AS eid, 'ARTIFACT_VERSION' AS kind, v.org_id AS org_id
}
MATCH (o:Organization {id: org_id})
RETURN found AS id, eid, kind, org_id, o.name AS org_name
"""
"""`NODE_HANDLES` as of `$as_of`: what existed then, versions deleted since included."""

NODE_HANDLES: LiteralString = """
UNWIND $ids AS id
CALL (id) {
  MATCH (r:Run {id: id})
  RETURN r.id AS found, elementId(r) AS eid, 'RUN' AS kind, r.org_id AS org_id
  UNION
  MATCH (v:ArtifactVersion {id: id})
  WHERE v.state = 'COMMITTED'
  RETURN v.id AS found, elementId(v) AS eid, 'ARTIFACT_VERSION' AS kind, v.org_id AS org_id
}
MATCH (o:Organization {id: org_id})
RETURN found AS id, eid, kind, org_id, o.name AS org_name
"""

VERSION_FIELDS: LiteralString = """
v {.id, .artifact_id, .artifact_name, .artifact_type, .index, .org_name, .project_name,
   .description, .size,
   created_at: v.created_at.epochSeconds * 1000000 + v.created_at.microsecond,
   deleted_at: v.deleted_at.epochSeconds * 1000000 + v.deleted_at.microsecond,
   aliases: COLLECT { MATCH (a:Alias)-[:POINTS_TO]->(v) RETURN a.name ORDER BY a.name },
   producer_id: producer.id}
"""

VERSION_SUMMARIES: LiteralString = (
    """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
WHERE v.state = 'COMMITTED' OR ($include_deleted AND v.state = 'DELETED')
OPTIONAL CALL (v) {  // the producer: the first run (later ones re-produced it)
  MATCH (producer:Run)-[e:PRODUCED]->(v)
  RETURN producer ORDER BY e.at, producer.id LIMIT 1
}
RETURN collect("""
    + VERSION_FIELDS
    + ") AS versions"
)

NODE_DETAILS: LiteralString = (
    """
CALL () {
  UNWIND $version_ids AS id
  MATCH (v:ArtifactVersion {id: id})
  WHERE v.state = 'COMMITTED' OR ($include_deleted AND v.state = 'DELETED')
  OPTIONAL CALL (v) {  // the producer: the first run (later ones re-produced it)
    MATCH (producer:Run)-[e:PRODUCED]->(v)
    RETURN producer ORDER BY e.at, producer.id LIMIT 1
  }
  RETURN collect("""
    + VERSION_FIELDS
    + """) AS versions
}
CALL (versions) {
  UNWIND $run_ids + CASE WHEN $producers
                    THEN [x IN versions WHERE x.producer_id IS NOT NULL | x.producer_id]
                    ELSE [] END AS id
  WITH DISTINCT id
  MATCH (r:Run {id: id})
  RETURN collect("""
    + RUN_FIELDS
    + """) AS runs
}
RETURN versions, runs
"""
)
"""Everything a lineage page shows about its nodes, in one statement: the versions, then the
runs shown plus (with `$producers`) the runs that produced those versions."""


async def node_handles_tx(
    tx: AsyncManagedTransaction, ids: list[str], as_of: datetime | None = None
) -> dict[str, NodeHandle]:
    """The nodes among `ids` that exist (or, with `as_of`, existed then), keyed by id."""
    if as_of is None:
        result = await tx.run(NODE_HANDLES, ids=ids)
    else:
        result = await tx.run(NODE_HANDLES_AS_OF, ids=ids, as_of=as_of)
    handles: dict[str, NodeHandle] = {}
    async for row in result:
        handles[row["id"]] = NodeHandle(
            id=row["id"],
            element_id=row["eid"],
            kind=NodeKind(row["kind"]),
            org_id=row["org_id"],
            org_name=row["org_name"],
        )
    return handles


async def node_handles(
    graph: Graph, ids: list[str], as_of: datetime | None = None
) -> dict[str, NodeHandle]:
    """The runs and COMMITTED versions among `ids` (with `as_of`: those that existed then),
    keyed by id (absent ids are left out)."""
    if not ids:
        return {}
    return await graph.read(node_handles_tx, ids, as_of)


async def require_node(graph: Graph, node_id: str, *, field: str = "id") -> NodeHandle:
    found = (await node_handles(graph, [node_id])).get(node_id)
    if found is None:
        raise NotFound("No run or committed artifact version with this id", field=field)
    return found


def _summary(v: dict[str, Any]) -> VersionSummary:
    return VersionSummary(
        id=v["id"],
        artifact_id=v["artifact_id"],
        artifact_name=v["artifact_name"],
        artifact_type=v["artifact_type"],
        index=int(v["index"]),
        org_name=v["org_name"],
        project_name=v["project_name"],
        description=v.get("description"),
        size=int(v["size"]),
        created_at=from_micros(v.get("created_at")),
        aliases=tuple(v["aliases"]),
        producer_id=v["producer_id"],
        deleted_at=from_micros(v.get("deleted_at")),
    )


async def version_summaries(
    graph: Graph, ids: list[str], *, include_deleted: bool = False
) -> list[VersionSummary | None]:
    """Details of many versions in one round trip, in the order of `ids` (None where absent;
    deleted versions too unless `include_deleted`, for pages as of an earlier moment)."""
    if not ids:
        return []
    rows = await graph.read(
        collected_tx, VERSION_SUMMARIES, ids=ids, include_deleted=include_deleted
    )
    found = {row["id"]: _summary(row) for row in rows}
    return [found.get(i) for i in ids]


@dataclass(frozen=True)
class NodeDetails:
    """Details of a page's nodes by id: absent ids (deleted since the walk) are left out."""

    runs: dict[str, RunRecord]
    versions: dict[str, VersionSummary]


async def node_details(
    graph: Graph,
    run_ids: list[str],
    version_ids: list[str],
    *,
    producers: bool,
    include_deleted: bool = False,
) -> NodeDetails:
    """Runs and COMMITTED versions by id, and with `producers` the runs that produced those
    versions too, in one round trip (`NODE_DETAILS` as an auto-commit read: a managed
    transaction would add a COMMIT round trip, and one statement needs no shared snapshot)."""
    if not run_ids and not version_ids:
        return NodeDetails({}, {})
    # the record's values, without `Record.data()`'s deep copy of a hundred nested maps
    record = await graph.read_record(
        NODE_DETAILS,
        run_ids=run_ids,
        version_ids=version_ids,
        producers=producers,
        include_deleted=include_deleted,
    )
    assert record is not None  # aggregations always yield their row
    versions, runs = record.values()
    return NodeDetails(
        runs={row["id"]: run_record(row) for row in runs},
        versions={row["id"]: _summary(row) for row in versions},
    )
