"""Bulk ingest: atomic batches, safe retries, references, and the same rules as single edges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import LiteralString

import pytest

from graph.access.orgs import ensure_project
from graph.artifacts import versions
from graph.core.driver import Graph
from graph.core.errors import Conflict, CycleError, InvalidInput, LimitExceeded, NotFound
from graph.core.tx import fetch_all
from graph.lineage.ingest import MAX_BATCH_EDGES, IngestEdge, IngestResult, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState, require_run, runs_of_project
from tests.lineage_fixtures import T0, make_world

EDGES = """
MATCH (r:Run)-[e:CONSUMED|PRODUCED]->(v:ArtifactVersion {org_name: $org})
RETURN r.client_id AS run, type(e) AS kind, v.id AS version, e.at AS at, e.ref AS ref
ORDER BY run, kind, version
"""


def run(run_id: str, job: str = "train", **kw: object) -> IngestRun:
    return IngestRun(id=run_id, job_type=job, started_at=T0, finished_at=T0 + timedelta(1), **kw)  # type: ignore[arg-type]


# Graphs written before `latest` was maintained on every commit have no such alias.
DROP_LATEST: LiteralString = """
MATCH (v:ArtifactVersion {id: $id})
MATCH (a:Alias {artifact_id: v.artifact_id, name: 'latest'})
DETACH DELETE a
"""


async def test_a_batch_imports_runs_and_edges_and_a_retry_changes_nothing(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    data = await world.versions_of("data", 2)
    model = await world.version("model", type="model")
    r1, r2 = unique("run"), unique("run")
    runs = [
        run(r1, config={"lr": 0.1}, tags=("old",), author="ada", name="first"),
        IngestRun(id=r2, job_type="eval", state=RunState.RUNNING, started_at=T0),
    ]
    edges = [
        IngestEdge(r1, data[0], EdgeKind.CONSUMED, T0 + timedelta(hours=2)),
        IngestEdge(r1, data[0], EdgeKind.CONSUMED, T0 + timedelta(hours=1)),
        IngestEdge(r1, "data:latest", EdgeKind.CONSUMED, T0),
        IngestEdge(r1, model, EdgeKind.PRODUCED, T0),
        IngestEdge(r2, f"{world.org}/{world.project}/model:v0", EdgeKind.CONSUMED, T0),
    ]
    first = await ingest(graph, world.org, world.project, runs, edges)
    assert first == IngestResult(runs_created=2, runs_existing=0, edges_created=4, edges_existing=0)
    again = await ingest(graph, world.org, world.project, runs, edges)
    assert again == IngestResult(runs_created=0, runs_existing=2, edges_created=0, edges_existing=4)
    stored = await graph.read(fetch_all, EDGES, org=world.org)
    assert [(e["run"], e["kind"], e["version"], e["ref"]) for e in stored] == sorted(
        [
            (r1, "CONSUMED", data[0], None),
            (r1, "CONSUMED", data[1], "data:latest"),
            (r1, "PRODUCED", model, None),
            (r2, "CONSUMED", model, f"{world.org}/{world.project}/model:v0"),
        ]
    )
    first_use = {e["version"]: e["at"].to_native() for e in stored if e["run"] == r1}
    assert first_use[data[0]] == T0 + timedelta(hours=1)
    assert again.run_ids == first.run_ids and set(first.run_ids) == {r1, r2}
    record = await require_run(graph, first.run_ids[r1])
    assert (record.name, record.author, record.config, record.tags) == (
        "first",
        "ada",
        {"lr": 0.1},
        ("old",),
    )
    assert record.state is RunState.FINISHED and record.duration_seconds == 86400
    _, total = await runs_of_project(graph, world.org, world.project, 0, 10)
    assert total == 2


async def test_a_refused_batch_writes_nothing(graph: Graph, unique: Callable[[str], str]) -> None:
    world = await make_world(graph, unique("org"))
    a, b = await world.version("a"), await world.version("b")
    producer = unique("run")
    await ingest(
        graph,
        world.org,
        world.project,
        [run(producer)],
        [IngestEdge(producer, b, EdgeKind.PRODUCED)],
    )
    fresh = unique("run")
    attempts: list[tuple[type[Exception], list[IngestRun], list[IngestEdge]]] = [
        (
            Conflict,
            [run(fresh)],
            [IngestEdge(fresh, a, EdgeKind.CONSUMED), IngestEdge(fresh, b, EdgeKind.PRODUCED)],
        ),
        (
            CycleError,
            [run(fresh)],
            [IngestEdge(fresh, a, EdgeKind.CONSUMED), IngestEdge(fresh, a, EdgeKind.PRODUCED)],
        ),
        (NotFound, [run(fresh)], [IngestEdge(fresh, "a:v9", EdgeKind.CONSUMED)]),
        (NotFound, [run(fresh)], [IngestEdge(unique("nobody"), a, EdgeKind.CONSUMED)]),
        (InvalidInput, [run(fresh), run(fresh)], []),
        (InvalidInput, [IngestRun(id=fresh, job_type="t", state=RunState.FINISHED)], []),
    ]
    for error, runs, edges in attempts:
        with pytest.raises(error):
            await ingest(graph, world.org, world.project, runs, edges)
    _, total = await runs_of_project(graph, world.org, world.project, 0, 10)
    assert total == 1
    stored = await graph.read(fetch_all, EDGES, org=world.org)
    assert [(e["run"], e["kind"]) for e in stored] == [(producer, "PRODUCED")]
    with pytest.raises(LimitExceeded):
        await ingest(
            graph,
            world.org,
            world.project,
            [],
            [IngestEdge(producer, a, EdgeKind.CONSUMED)] * (MAX_BATCH_EDGES + 1),
        )


async def test_cycles_across_batches_and_organisations_are_refused(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    a, b, c = await world.version("a"), await world.version("b"), await world.version("c")
    r1, r2 = unique("run"), unique("run")
    await ingest(
        graph,
        world.org,
        world.project,
        [run(r1), run(r2)],
        [
            IngestEdge(r1, a, EdgeKind.CONSUMED),
            IngestEdge(r1, b, EdgeKind.PRODUCED),
            IngestEdge(r2, b, EdgeKind.CONSUMED),
            IngestEdge(r2, c, EdgeKind.PRODUCED),
        ],
    )
    with pytest.raises(CycleError):
        await ingest(graph, world.org, world.project, [], [IngestEdge(r1, c, EdgeKind.CONSUMED)])
    other = await make_world(graph, unique("org"))
    foreign = await other.version("x")
    with pytest.raises(InvalidInput):
        await ingest(
            graph, world.org, world.project, [], [IngestEdge(r1, foreign, EdgeKind.CONSUMED)]
        )
    # run ids are the organisation's: another one may choose the same id for its own run
    theirs = await ingest(graph, other.org, other.project, [run(r1)], [])
    assert theirs.runs_created == 1
    ours = await ingest(graph, world.org, world.project, [run(r1)], [])
    assert ours.runs_existing == 1 and ours.run_ids[r1] != theirs.run_ids[r1]
    await ensure_project(graph, world.org, "elsewhere")
    with pytest.raises(Conflict):
        await ingest(graph, world.org, "elsewhere", [run(r1)], [])
    with pytest.raises(NotFound):
        await ingest(graph, world.org, "missing-project", [run(unique("run"))], [])


async def test_edges_name_versions_by_every_selector_the_path_grammar_has(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    """Bulk ingest resolves paths as every other lookup does (`graph.artifacts.resolve`):
    `:vN`, `:alias`, `:<digest>`, and `latest` even where no `latest` alias exists."""
    world = await make_world(graph, unique("org"))
    old, new = await world.versions_of("data", 2)
    await world.alias(old, "best")
    [record] = await versions.versions_by_ids(graph, [old])
    assert record is not None
    await graph.write(fetch_all, DROP_LATEST, id=new)
    edges = [
        IngestEdge("r-selectors-1", "data:v1", EdgeKind.CONSUMED, T0),
        IngestEdge("r-selectors-2", "data:best", EdgeKind.CONSUMED, T0),
        IngestEdge("r-selectors-3", f"data:{record.digest}", EdgeKind.CONSUMED, T0),
        IngestEdge("r-selectors-4", "data", EdgeKind.CONSUMED, T0),
    ]
    ingested = await ingest(graph, world.org, world.project, [run(e.run_id) for e in edges], edges)
    stored = await graph.read(fetch_all, EDGES, org=world.org)
    by_ref = {e["ref"]: e["version"] for e in stored}
    assert ingested.edges_created == 4
    assert by_ref == {
        "data:v1": new,
        "data:best": old,
        f"data:{record.digest}": old,
        "data": new,
    }
