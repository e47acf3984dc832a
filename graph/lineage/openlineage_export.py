"""The lineage around a node, read for export as OpenLineage events (`api.openlineage.export`).

A breadth-first walk over distinct nodes, one query per level (never paths), through runs and
COMMITTED versions in both directions, up to `depth` hops and `MAX_NODES` nodes (`truncated`
says when the cap cut it short); then the runs, versions and the edges among them in three
queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.lineage.runs import RUN_FIELDS

MAX_NODES = 10_000
MAX_DEPTH = 50

SEED: LiteralString = """
OPTIONAL MATCH (r:Run {id: $id})
OPTIONAL MATCH (v:ArtifactVersion {id: $id}) WHERE v.state = 'COMMITTED'
WITH coalesce(r, v) AS n
WHERE n IS NOT NULL
RETURN elementId(n) AS eid, n.org_name AS org
"""

NEXT_LEVEL: LiteralString = """
UNWIND $frontier AS eid
MATCH (n) WHERE elementId(n) = eid
MATCH (n)-[:CONSUMED|PRODUCED]-(m)
WHERE m:Run OR m.state = 'COMMITTED'
RETURN collect(DISTINCT elementId(m)) AS next
"""

RUNS: LiteralString = (
    """
UNWIND $eids AS eid
MATCH (r:Run) WHERE elementId(r) = eid
OPTIONAL MATCH (r)-[:CHILD_OF]->(p:Run)
WITH r, p ORDER BY p.client_id
WITH r, head(collect(p)) AS p
RETURN collect({run: """
    + RUN_FIELDS
    + """, openlineage: r.openlineage, events: r.ol_events,
  parent: CASE WHEN p IS NULL THEN null ELSE
    {client_id: p.client_id, project: p.project_name, name: p.name,
     openlineage: p.openlineage} END}) AS runs
"""
)

VERSIONS: LiteralString = """
UNWIND $eids AS eid
MATCH (v:ArtifactVersion) WHERE elementId(v) = eid
MATCH (a:Artifact {id: v.artifact_id})
RETURN collect({id: v.id, project: v.project_name, artifact: v.artifact_name, index: v.index,
  digest: v.digest, openlineage: v.openlineage, namespace: a.ol_namespace,
  name: a.ol_name}) AS versions
"""

EDGES: LiteralString = """
UNWIND $runs AS eid
MATCH (r:Run)-[e:CONSUMED|PRODUCED]->(v:ArtifactVersion)
WHERE elementId(r) = eid AND elementId(v) IN $versions
RETURN collect([r.id, type(e), v.id]) AS edges
"""


@dataclass(frozen=True)
class ExportGraph:
    org: str
    runs: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    edges: list[tuple[str, str, str]]
    """(run id, CONSUMED or PRODUCED, version id)"""
    truncated: bool


async def _export_tx(tx: AsyncManagedTransaction, node_id: str, depth: int) -> ExportGraph | None:
    seed = await (await tx.run(SEED, id=node_id)).single()
    if seed is None:
        return None
    seen = {seed["eid"]}
    frontier = [seed["eid"]]
    truncated = False
    for _ in range(depth):
        if not frontier:
            break
        record = await (await tx.run(NEXT_LEVEL, frontier=frontier)).single(strict=True)
        fresh = [eid for eid in record["next"] if eid not in seen]
        if len(seen) + len(fresh) > MAX_NODES:
            fresh, truncated = fresh[: MAX_NODES - len(seen)], True
        seen.update(fresh)
        frontier = fresh
        if truncated:
            break
    eids = sorted(seen)
    runs = (await (await tx.run(RUNS, eids=eids)).single(strict=True))["runs"]
    versions = (await (await tx.run(VERSIONS, eids=eids)).single(strict=True))["versions"]
    run_eids = [eid for eid in eids]
    version_eids = eids
    edges = (await (await tx.run(EDGES, runs=run_eids, versions=version_eids)).single(strict=True))[
        "edges"
    ]
    return ExportGraph(
        org=seed["org"],
        runs=list(runs),
        versions=list(versions),
        edges=[(r, kind, v) for r, kind, v in edges],
        truncated=truncated,
    )


async def export_graph(graph: Graph, node_id: str, depth: int) -> ExportGraph | None:
    """The runs and versions within `depth` hops of the run or committed version `node_id`
    (stored id), with the edges among them; None when there is no such node."""
    return await graph.read(_export_tx, node_id, min(max(depth, 0), MAX_DEPTH))
