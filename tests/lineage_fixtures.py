"""Helpers for lineage tests: projects, committed versions, runs and edges.

Every object is written by the product's own functions (versions through draft and commit in
`tests.model_writer`, runs and edges through `graph.lineage`), so lineage is tested on the same
graph the API builds, never on a hand-written imitation of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.access.orgs import ensure_project
from graph.artifacts import aliases
from graph.core.driver import Graph
from graph.core.values import new_id
from graph.lineage import edges as lineage_edges
from graph.lineage import runs
from graph.lineage.ingest import IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import NewRun, RunState
from tests.model_writer import log_version, start_draft

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class World:
    """A project of a unique organisation, and a clock that ticks one second per object."""

    graph: Graph
    org: str
    project: str
    clock: datetime = T0
    artifact_of: dict[str, str] = field(default_factory=dict)

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
        """Append `count` versions to an artifact (created if new); returns their ids.

        `state="PENDING"` makes drafts instead (never committed, so never visible to lineage).
        """
        ids: list[str] = []
        for _ in range(count):
            if state == "PENDING":
                ids.append(
                    await start_draft(self.graph, self.org, project or self.project, artifact, type)
                )
                continue
            logged = await log_version(
                self.graph,
                self.org,
                project or self.project,
                artifact,
                type=type,
                description=description,
            )
            self.artifact_of[logged.version.id] = logged.version.artifact_id
            ids.append(logged.version.id)
        return ids

    async def version(self, artifact: str, **kwargs: Any) -> str:
        return (await self.versions_of(artifact, 1, **kwargs))[0]

    async def alias(self, version_id: str, alias: str) -> None:
        """Point `alias` at the version, as `setArtifactAlias` does (`latest` moves by itself)."""
        await aliases.set_alias(
            self.graph,
            artifact_id=self.artifact_of[version_id],
            version_id=version_id,
            alias=alias,
            actor="tests",
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
        result = await ingest(self.graph, self.org, self.project, batch, edges)
        return [result.run_ids[run.id] for run in batch]

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
