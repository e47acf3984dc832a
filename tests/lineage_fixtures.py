"""Helpers for lineage tests: projects, versions written with raw Cypher, runs and edges.

Versions belong to the artifacts feature; these tests create them directly with Cypher that
follows the graph model in DEVELOPERS.md (COMMITTED, indexed per artifact, `latest` alias), so
lineage is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from graph.access.orgs import ensure_project
from graph.core.driver import Graph
from graph.core.values import new_id
from graph.lineage import edges as lineage_edges
from graph.lineage import runs
from graph.lineage.ingest import IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import NewRun, RunState

T0 = datetime(2025, 1, 1, tzinfo=UTC)

ADD_VERSIONS: LiteralString = """
MATCH (o:Organization {name: $org})-[:HAS_PROJECT]->(p:Project {name: $project})
MERGE (a:Artifact {project_id: p.id, name: $artifact})
  ON CREATE SET a.id = $artifact_id, a.org_id = o.id, a.type = $type, a.description = null,
                a.tags = [], a.next_index = 0, a.created_at = datetime()
SET a._lock = coalesce(a._lock, 0) + 1
MERGE (p)-[:HAS_ARTIFACT]->(a)
WITH o, p, a, a.next_index AS base
SET a.next_index = base + size($rows)
WITH o, p, a, base
UNWIND range(0, size($rows) - 1) AS i
WITH o, p, a, base, i, $rows[i] AS row
CREATE (v:ArtifactVersion {
  id: row.id, artifact_id: a.id, artifact_name: a.name, artifact_type: a.type,
  project_id: p.id, project_name: p.name, org_id: o.id, org_name: o.name, index: base + i,
  digest: row.id, size: row.size, file_count: 1, description: row.description,
  metadata: '{}', tags: [], created_at: datetime({epochMillis: row.created_ms}),
  created_by: 'tests', state: row.state, ttl_seconds: null, expires_at: null})
CREATE (a)-[:HAS_VERSION]->(v)
RETURN collect(v.id) AS ids, a.id AS artifact_id
"""

MOVE_ALIAS: LiteralString = """
MATCH (v:ArtifactVersion {id: $version})
MERGE (al:Alias {artifact_id: v.artifact_id, name: $alias})
WITH al, v
OPTIONAL MATCH (al)-[old:POINTS_TO]->()
DELETE old
MERGE (al)-[:POINTS_TO]->(v)
"""


@dataclass
class World:
    """A project of a unique organisation, and a clock that ticks one second per object."""

    graph: Graph
    org: str
    project: str
    clock: datetime = T0
    versions: dict[str, str] = field(default_factory=dict)

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    async def versions_of(
        self,
        artifact: str,
        count: int = 1,
        *,
        type: str = "dataset",
        project: str | None = None,
        state: str = "COMMITTED",
        description: str | None = None,
    ) -> list[str]:
        """Append `count` versions to an artifact (created if new); returns their ids."""
        rows: list[dict[str, Any]] = []
        for _ in range(count):
            rows.append(
                {
                    "id": new_id(),
                    "size": 100,
                    "description": description,
                    "state": state,
                    "created_ms": int(self.tick().timestamp() * 1000),
                }
            )
        result, _, _ = await self.graph.driver.execute_query(
            ADD_VERSIONS,
            org=self.org,
            project=project or self.project,
            artifact=artifact,
            artifact_id=new_id(),
            type=type,
            rows=rows,
            database_=self.graph.database,
        )
        ids: list[str] = list(result[0]["ids"])
        for i, version_id in enumerate(ids):
            self.versions[f"{artifact}:{len(self.versions) + i}"] = version_id
        return ids

    async def version(self, artifact: str, **kwargs: Any) -> str:
        return (await self.versions_of(artifact, 1, **kwargs))[0]

    async def alias(self, version_id: str, alias: str) -> None:
        await self.graph.driver.execute_query(
            MOVE_ALIAS, version=version_id, alias=alias, database_=self.graph.database
        )

    async def run(
        self, job_type: str = "train", *, name: str | None = None, project: str | None = None
    ) -> str:
        record = await runs.create_run(
            self.graph,
            self.org,
            project or self.project,
            NewRun(job_type=job_type, name=name, started_at=self.tick()),
        )
        return record.id

    async def consumed(self, run_id: str, *version_ids: str) -> None:
        for version_id in version_ids:
            await lineage_edges.use_artifact(self.graph, run_id, version_id=version_id)

    async def produced(self, run_id: str, *version_ids: str) -> None:
        for version_id in version_ids:
            await lineage_edges.record_produced(self.graph, run_id, version_id)

    async def steps(self, *runs_: tuple[str, list[str], list[str]]) -> list[str]:
        """Many runs at once through bulk ingest: (job type, inputs, outputs) each."""
        batch = []
        edges = []
        for job_type, inputs, outputs in runs_:
            run_id = new_id()
            started = self.tick()
            batch.append(
                IngestRun(
                    id=run_id,
                    job_type=job_type,
                    name=f"{job_type}-{len(batch)}",
                    started_at=started,
                    finished_at=started,
                )
            )
            edges += [IngestEdge(run_id, v, EdgeKind.CONSUMED, started) for v in inputs]
            edges += [IngestEdge(run_id, v, EdgeKind.PRODUCED, started) for v in outputs]
        await ingest(self.graph, self.org, self.project, batch, edges)
        return [run.id for run in batch]

    async def step(
        self, job_type: str, inputs: list[str], outputs: list[str], *, name: str | None = None
    ) -> str:
        """A run that consumed `inputs` and produced `outputs`."""
        run_id = await self.run(job_type, name=name)
        await self.consumed(run_id, *inputs)
        await self.produced(run_id, *outputs)
        return run_id


async def make_world(graph: Graph, org: str, project: str = "lineage") -> World:
    await ensure_project(graph, org, project)
    return World(graph, org, project)


async def finished(graph: Graph, run_id: str) -> None:
    await runs.update_run(graph, run_id, runs.RunChange(state=RunState.FINISHED))


__all__ = ["EdgeKind", "World", "finished", "make_world"]
