"""Project-side data for registry tests: organisations, projects, committed versions, runs and
users, written by the product's own functions (`tests.model_writer`, `graph.lineage`,
`graph.access`), so the registry is tested on exactly the shape the artifacts and lineage
features produce.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.access.orgs import ensure_project
from graph.access.users import create_user
from graph.core.driver import Graph
from graph.lineage import edges, runs
from tests.model_writer import log_version, start_draft


@dataclass(frozen=True)
class Version:
    id: str
    index: int | None
    org: str
    project: str
    name: str
    digest: str | None = None
    artifact_id: str | None = None

    @property
    def path(self) -> str:
        return f"{self.org}/{self.project}/{self.name}:v{self.index}"


async def make_version(
    graph: Graph,
    org: str,
    name: str,
    type: str = "model",
    *,
    project: str = "proj",
    state: str = "COMMITTED",
    description: str = "",
) -> Version:
    """A new version of artifact `org/project/name` (created with `type` on first use).

    `state="PENDING"` gives a draft: a version without an index that is never committed.
    """
    await ensure_project(graph, org, project)
    if state == "PENDING":
        draft_id = await start_draft(graph, org, project, name, type)
        return Version(draft_id, None, org, project, name)
    logged = await log_version(graph, org, project, name, type=type, description=description)
    return Version(
        logged.version.id,
        logged.version.index,
        org,
        project,
        name,
        logged.version.digest,
        logged.version.artifact_id,
    )


async def make_run(
    graph: Graph, produced: Version, *, name: str = "train", inputs: tuple[Version, ...] = ()
) -> str:
    """A finished run that produced `produced` (and consumed `inputs`)."""
    run = await runs.create_run(
        graph, produced.org, produced.project, runs.NewRun(job_type="train", name=name)
    )
    for used in inputs:
        await edges.use_artifact(graph, run.id, version_id=used.id)
    await edges.record_produced(graph, run.id, produced.id)
    await runs.update_run(graph, run.id, runs.RunChange(state=runs.RunState.FINISHED))
    return run.id


async def make_user(graph: Graph, name: str) -> str:
    user, _ = await create_user(graph, name)
    return user.id
