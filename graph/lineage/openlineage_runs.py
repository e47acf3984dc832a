"""What a run recorded from OpenLineage keeps beyond an ordinary run: its job's identity, its
merged run and job facets, the events it was built from, and its parent (the `parent` run
facet, stored as `(child:Run)-[:CHILD_OF]->(parent:Run)`). Batched reads for the API's
DataLoaders."""

from __future__ import annotations

from typing import Any, LiteralString

from graph.core.driver import Graph
from graph.core.facets import decode_facets
from graph.lineage.runs import collected_tx

OPENLINEAGE_OF_RUNS: LiteralString = """
UNWIND $ids AS id
MATCH (r:Run {id: id})
WHERE r.openlineage IS NOT NULL
RETURN collect([r.id, r.client_id, r.openlineage, r.ol_events]) AS rows
"""

PARENTS_OF_RUNS: LiteralString = """
UNWIND $ids AS id
MATCH (:Run {id: id})-[:CHILD_OF]->(p:Run)
WITH id, p ORDER BY p.client_id
RETURN collect([id, p.id]) AS rows
"""


async def openlineage_of_runs(graph: Graph, ids: list[str]) -> list[dict[str, Any] | None]:
    """Per run id (in order): `{runId, job: {namespace, name}, runFacets, jobFacets, events}`
    for runs recorded from OpenLineage, None for others. `events` are `TYPE@time` keys."""
    rows = await graph.read(collected_tx, OPENLINEAGE_OF_RUNS, ids=ids)
    found: dict[str, dict[str, Any]] = {}
    for run_id, client_id, text, events in rows:
        stored: dict[str, Any] = decode_facets(text) or {}
        job: dict[str, Any] = stored.get("job") or {}
        run: dict[str, Any] = stored.get("run") or {}
        job_facets: dict[str, Any] = stored.get("jobFacets") or {}
        found[run_id] = {
            "runId": client_id,
            "job": {"namespace": job.get("namespace"), "name": job.get("name")},
            "runFacets": run.get("facets") or {},
            "jobFacets": job_facets.get("facets") or {},
            "events": sorted(events or []),
        }
    return [found.get(run_id) for run_id in ids]


async def parents_of_runs(graph: Graph, ids: list[str]) -> list[str | None]:
    """The stored id of each run's parent run (in order of `ids`), None when it has none."""
    rows = await graph.read(collected_tx, PARENTS_OF_RUNS, ids=ids)
    found: dict[str, str] = {}
    for run_id, parent_id in rows:
        found.setdefault(run_id, parent_id)
    return [found.get(run_id) for run_id in ids]
