from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graph.access.orgs import ensure_project
from graph.core.driver import Graph
from graph.core.errors import Conflict, CycleError, DomainError, InvalidInput, NotFound
from graph.core.refs import parse_version_path
from graph.core.tx import fetch_all
from graph.lineage import edges as lineage_edges
from graph.lineage.model import EdgeKind
from tests.lineage_fixtures import finished, make_world

EDGES_OF_RUN = """
MATCH (r:Run {id: $run})-[e]->(v:ArtifactVersion)
RETURN type(e) AS kind, v.id AS version, e.at AS at ORDER BY kind, version
"""


def test_references_parse_with_defaults() -> None:
    ref = parse_version_path("data", org="o", project="p")
    assert (str(ref.artifact), ref.alias, ref.index) == ("o/p/data", "latest", None)
    ref = parse_version_path("other/data:v12", org="o", project="p")
    assert (ref.artifact.project, ref.index, ref.alias) == ("other", 12, None)
    ref = parse_version_path("x/y/data:best", org="o", project="p")
    assert (ref.artifact.org, ref.artifact.project, ref.alias) == ("x", "y", "best")
    for bad in ("", "a/b/c/d", "a//b", "data:bad alias", "/data"):
        with pytest.raises(DomainError):
            parse_version_path(bad, org="o", project="p")


async def test_use_artifact_resolves_alias_or_index_now_and_records_once(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    v0 = await world.version("data")
    run_id = await world.run()
    ref = parse_version_path("data", org=world.org, project=world.project)
    first = await lineage_edges.use_artifact(graph, run_id, ref=ref)
    assert (first.version_id, first.created) == (v0, True)
    v1 = await world.version("data")  # `latest` moves to v1
    again = await lineage_edges.use_artifact(graph, run_id, version_id=v0)
    assert (again.created, again.at) == (False, first.at)
    by_index = await lineage_edges.use_artifact(
        graph, run_id, ref=parse_version_path("data:v1", org=world.org, project=world.project)
    )
    assert (by_index.version_id, by_index.created) == (v1, True)
    rows = await graph.read(fetch_all, EDGES_OF_RUN, run=run_id)
    assert [(r["kind"], r["version"]) for r in rows] == sorted(
        [("CONSUMED", v0), ("CONSUMED", v1)], key=lambda r: r[1]
    )
    page, total = await lineage_edges.run_versions(graph, run_id, EdgeKind.CONSUMED, 0, 10)
    assert total == 2 and [v for v, _ in page] == [v0, v1]


async def test_edges_may_cross_projects_but_not_organisations(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    await ensure_project(graph, world.org, "other")
    elsewhere = await world.version("shared", project="other")
    run_id = await world.run()
    await finished(graph, run_id)
    edge = await lineage_edges.use_artifact(
        graph,
        run_id,
        ref=parse_version_path("other/shared:v0", org=world.org, project=world.project),
    )
    assert edge.version_id == elsewhere
    stranger = await make_world(graph, unique("org"))
    foreign = await stranger.version("theirs")
    with pytest.raises(InvalidInput):
        await lineage_edges.use_artifact(graph, run_id, version_id=foreign)
    with pytest.raises(InvalidInput):
        await lineage_edges.record_produced(graph, run_id, foreign)


async def test_only_committed_versions_can_be_used(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    draft = await world.version("data", state="PENDING")
    run_id = await world.run()
    with pytest.raises(NotFound):
        await lineage_edges.use_artifact(graph, run_id, version_id=draft)
    with pytest.raises(NotFound):
        await lineage_edges.use_artifact(
            graph, run_id, ref=parse_version_path("data:v0", org=world.org, project=world.project)
        )
    with pytest.raises(NotFound):
        await lineage_edges.use_artifact(graph, "f" * 32, version_id=draft)


async def test_a_version_has_at_most_one_producer(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    model = await world.version("model")
    first, second = await world.run(), await world.run()
    assert (await lineage_edges.record_produced(graph, first, model)).created
    assert not (await lineage_edges.record_produced(graph, first, model)).created
    with pytest.raises(Conflict):
        await lineage_edges.record_produced(graph, second, model)


async def test_edges_that_would_close_a_cycle_are_refused(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    raw, clean, model = (
        await world.version("raw"),
        await world.version("clean"),
        await world.version("model"),
    )
    prep = await world.step("prep", [raw], [clean])
    train = await world.step("train", [clean], [model])
    with pytest.raises(CycleError) as direct:
        await lineage_edges.use_artifact(graph, prep, version_id=clean)
    assert direct.value.code == "CYCLE"
    with pytest.raises(CycleError) as indirect:
        await lineage_edges.use_artifact(graph, prep, version_id=model)
    assert "3 hops" in indirect.value.message
    orphan = await world.version("orphan")
    await lineage_edges.use_artifact(graph, train, version_id=orphan)
    with pytest.raises(CycleError):
        await lineage_edges.record_produced(graph, train, orphan)
    rows = await graph.read(fetch_all, EDGES_OF_RUN, run=prep)
    assert [(r["kind"], r["version"]) for r in rows] == [("CONSUMED", raw), ("PRODUCED", clean)]


async def test_concurrent_edges_cannot_together_close_a_cycle(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    """a -> r1 -> b and c -> r2 -> d: r1 using d and r2 using b would each be fine alone."""
    world = await make_world(graph, unique("org"))
    a, b, c, d = [await world.version(name) for name in "abcd"]
    r1 = await world.step("one", [a], [b])
    r2 = await world.step("two", [c], [d])
    outcomes = await asyncio.gather(
        lineage_edges.use_artifact(graph, r1, version_id=d),
        lineage_edges.use_artifact(graph, r2, version_id=b),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    made = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(errors) == 1 and isinstance(errors[0], CycleError), outcomes
    assert len(made) == 1 and made[0].created
