"""Cluster members (searched, paged, re-derived from the walk) and downstream impact counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.lineage.clusters import OVERFLOW_KEY, cluster_members
from graph.lineage.impact import impact
from graph.lineage.model import Direction, Truncation, WalkLimits, WalkSpec
from graph.lineage.traversal import traverse
from tests.lineage_fixtures import make_world


def downstream(seed: str, **limits: int) -> WalkSpec:
    return WalkSpec(seed, Direction.DOWNSTREAM, limits=WalkLimits(**limits))


async def test_members_are_searched_and_paged_newest_first(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    shards = await world.versions_of("shards", 25)
    await world.alias(shards[3], "golden")
    await world.steps(("split", [seed], shards))
    walked = await traverse(graph, downstream(seed, depth=2))
    level = walked.levels[1]
    (cluster,) = level.clusters

    async def page(search: str | None, offset: int, limit: int) -> tuple[list[str], int]:
        found = await cluster_members(
            graph,
            downstream(seed, depth=2),
            Direction.DOWNSTREAM,
            2,
            cluster.key,
            level.scan_limit,
            search=search,
            offset=offset,
            limit=limit,
        )
        return list(found.ids), found.total

    first, total = await page(None, 0, 10)
    second, _ = await page(None, 10, 10)
    third, _ = await page(None, 20, 10)
    assert total == 25
    assert first + second + third == list(reversed(shards))
    assert await page("shards:v2", 0, 10) == (
        [shards[24], shards[23], shards[22], shards[21], shards[20], shards[2]],
        6,
    )
    assert await page("GOLD", 0, 10) == ([shards[3]], 1)
    assert await page("nothing-like-this", 0, 10) == ([], 0)
    with pytest.raises(NotFound):
        await cluster_members(
            graph,
            downstream(seed, depth=4),
            Direction.DOWNSTREAM,
            4,
            "x",
            100,
            search=None,
            offset=0,
            limit=10,
        )


async def test_the_overflow_cluster_holds_what_is_neither_clustered_nor_shown(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    singles = [await world.version(f"s{i}", type="model") for i in range(7)]
    group = await world.versions_of("group", 5)
    await world.steps(("fan", [seed], singles + group))
    spec = downstream(seed, depth=2, max_items=4)
    level = (await traverse(graph, spec)).levels[1]
    assert len(level.clusters) == 1 and len(level.loose) == 2 and level.other == 5
    found = await cluster_members(
        graph,
        spec,
        Direction.DOWNSTREAM,
        2,
        OVERFLOW_KEY,
        level.scan_limit,
        search=None,
        offset=0,
        limit=20,
    )
    assert found.total == 5
    assert set(found.ids) == set(singles) - set(level.loose)


async def test_impact_counts_downstream_nodes_by_type_without_listing(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    raw = await world.version("raw")
    clean = await world.versions_of("clean", 3)
    models = await world.versions_of("model", 6, type="model")
    await world.steps(
        ("prep", [raw], clean),
        *[("train", [c], models[2 * i : 2 * i + 2]) for i, c in enumerate(clean)],
        ("eval", models, []),
    )
    counted = await impact(graph, downstream(raw, depth=50))
    assert counted.runs_by_job_type == (("train", 3), ("eval", 1), ("prep", 1))
    assert counted.versions_by_type == (("model", 6), ("dataset", 3))
    assert (counted.run_count, counted.version_count, counted.depth_reached) == (5, 9, 5)
    assert not counted.truncated
    capped = await impact(graph, downstream(raw, depth=50, node_limit=5))
    assert capped.truncation == (Truncation.NODE_LIMIT,)
    assert capped.run_count + capped.version_count == 5
    sampled = await impact(graph, downstream(raw, depth=50, level_limit=1))
    assert sampled.truncation == (Truncation.LEVEL_LIMIT,)
    assert sampled.run_count < 5
