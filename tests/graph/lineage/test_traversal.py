from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from graph.core.driver import Graph
from graph.core.errors import InvalidInput, NotFound
from graph.lineage.model import (
    Direction,
    NodeKind,
    Truncation,
    WalkFilters,
    WalkLimits,
    WalkSpec,
)
from graph.lineage.nodes import require_node
from graph.lineage.paths import shortest_paths
from graph.lineage.traversal import Level, Traversal, traverse
from tests.lineage_fixtures import World, make_world

STAGES = 12


async def diamond_chain(world: World) -> tuple[list[str], list[list[str]]]:
    """x0 -> {a, b} -> {p, q} -> m -> x1 -> ... : the number of paths doubles at every stage.

    Returns the x versions and, per stage, the runs [a, b, m].
    """
    xs = [await world.version("x")]
    stage_runs = []
    for k in range(STAGES):
        p, q = await world.version(f"p{k}"), await world.version(f"q{k}")
        nxt = await world.version("x")
        stage_runs.append(
            await world.steps(
                ("split", [xs[-1]], [p]), ("split", [xs[-1]], [q]), ("merge", [p, q], [nxt])
            )
        )
        xs.append(nxt)
    return xs, stage_runs


def spec(seed: str, direction: Direction = Direction.DOWNSTREAM, **limits: int) -> WalkSpec:
    return WalkSpec(seed, direction, limits=WalkLimits(**limits))


def shape(result: Traversal) -> list[tuple[int, str, int]]:
    return [(lvl.distance, lvl.kind.value[0], lvl.total) for lvl in result.levels]


def items(level: Level) -> set[str]:
    return {f"c:{c.key}" for c in level.clusters} | set(level.loose)


async def test_a_diamond_chain_is_walked_by_distinct_nodes_not_paths(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    xs, stage_runs = await diamond_chain(world)
    began = time.monotonic()
    result = await traverse(graph, spec(xs[0], depth=50))
    assert time.monotonic() - began < 5
    assert not result.truncated
    assert shape(result) == [
        (4 * k + d, kind, count)
        for k in range(STAGES)
        for d, kind, count in ((1, "R", 2), (2, "A", 2), (3, "R", 1), (4, "A", 1))
    ]
    assert result.node_count == 6 * STAGES
    last = result.levels[-1]
    assert last.loose == (xs[-1],)
    merge = result.levels[2]
    assert merge.loose == (stage_runs[0][2],)
    assert sorted(merge.edges) == sorted([(v, stage_runs[0][2], 1) for v in result.levels[1].loose])
    paths = await shortest_paths(
        graph, await require_node(graph, xs[0]), await require_node(graph, xs[-1]), 5
    )
    assert paths.direction is Direction.DOWNSTREAM
    assert len(paths.paths) == 5 and paths.has_more
    assert all(len(p) == 4 * STAGES + 1 and p[0] == xs[0] and p[-1] == xs[-1] for p in paths.paths)
    backwards = await shortest_paths(
        graph, await require_node(graph, xs[3]), await require_node(graph, xs[1]), 20
    )
    assert backwards.direction is Direction.UPSTREAM and len(backwards.paths) == 4
    assert not backwards.has_more


async def test_nodes_sit_at_their_shortest_distance_and_appear_once(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    v0, va, vb = await world.version("v0"), await world.version("va"), await world.version("vb")
    ra, rb = await world.steps(("a", [v0], [va]), ("b", [v0], []))
    await world.consumed(rb, va)
    await world.produced(rb, vb)
    result = await traverse(graph, spec(v0, depth=10))
    assert [(lvl.distance, sorted(lvl.loose)) for lvl in result.levels] == [
        (1, sorted([ra, rb])),
        (2, sorted([va, vb])),
    ]
    assert sorted(result.levels[1].edges) == sorted([(ra, va, 1), (rb, vb, 1)])
    # rb (met at distance 1) could be met again at 3 through va: a walk of depth 3 must still
    # remember it, a shorter one need not.
    for depth in (1, 2, 3):
        walked = await traverse(graph, spec(v0, depth=depth))
        assert [(lvl.distance, sorted(lvl.loose)) for lvl in walked.levels] == [
            (1, sorted([ra, rb])),
            (2, sorted([va, vb])),
        ][:depth]


async def test_both_directions_and_filters_prune_during_the_walk(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    raw = await world.version("raw", type="dataset")
    clean = await world.version("clean", type="dataset")
    model = await world.version("model", type="model")
    report = await world.version("report", type="report")
    prep, train, evaluate = await world.steps(
        ("prep", [raw], [clean]), ("train", [clean], [model]), ("eval", [model], [report])
    )
    both = await traverse(graph, spec(model, Direction.BOTH, depth=2))
    assert [(lvl.direction, lvl.distance, lvl.loose) for lvl in both.levels] == [
        (Direction.UPSTREAM, 2, (clean,)),
        (Direction.UPSTREAM, 1, (train,)),
        (Direction.DOWNSTREAM, 1, (evaluate,)),
        (Direction.DOWNSTREAM, 2, (report,)),
    ]
    only_train = WalkSpec(
        raw, Direction.DOWNSTREAM, WalkFilters(job_types=("prep", "train")), WalkLimits(depth=10)
    )
    assert [lvl.loose for lvl in (await traverse(graph, only_train)).levels] == [
        (prep,),
        (clean,),
        (train,),
        (model,),
    ]
    datasets = WalkSpec(
        raw, Direction.DOWNSTREAM, WalkFilters(artifact_types=("dataset",)), WalkLimits(depth=10)
    )
    assert [lvl.loose for lvl in (await traverse(graph, datasets)).levels] == [
        (prep,),
        (clean,),
        (train,),
    ]
    runs_only = WalkSpec(
        raw, Direction.DOWNSTREAM, WalkFilters(kinds=(NodeKind.RUN,)), WalkLimits(depth=10)
    )
    assert [lvl.loose for lvl in (await traverse(graph, runs_only)).levels] == [(prep,)]
    hidden = WalkSpec(raw, Direction.DOWNSTREAM, WalkFilters(hidden=(clean,)), WalkLimits(depth=10))
    assert [lvl.loose for lvl in (await traverse(graph, hidden)).levels] == [(prep,)]
    with pytest.raises(NotFound):
        await traverse(graph, spec("0" * 32))
    with pytest.raises(InvalidInput):
        spec(raw, depth=51)


WIDE = 600


async def test_a_wide_level_comes_back_as_one_cluster_whatever_its_width(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    # Wider than the default level limit (500), so neither listing nor clustering may cap it.
    shards = await world.versions_of("shards", WIDE, type="dataset")
    (split,) = await world.steps(("split", [seed], shards))
    result = await traverse(graph, spec(seed, depth=2))
    assert not result.truncated
    runs_level, shards_level = result.levels
    assert (runs_level.loose, runs_level.clusters) == ((split,), ())
    (cluster,) = shards_level.clusters
    assert (shards_level.total, cluster.size, cluster.label, cluster.type) == (
        WIDE,
        WIDE,
        "shards",
        "dataset",
    )
    assert len(cluster.preview) == 3 and set(cluster.preview) <= set(shards)
    assert shards_level.loose == () and shards_level.other == 0
    assert shards_level.edges == ((split, f"c:{cluster.key}", WIDE),)

    unclustered = await traverse(graph, spec(seed, depth=2, cluster_threshold=2 * WIDE))
    level = unclustered.levels[1]
    assert level.clusters == () and len(level.loose) == 19 and level.other == WIDE - 19
    assert sorted(level.edges) == sorted(
        [(split, node, 1) for node in level.loose] + [(split, "*", WIDE - 19)]
    )


async def test_small_groups_share_a_level_and_overflow_is_folded(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    outs = [await world.version(f"a{i:02d}", type="model") for i in range(8)]
    outs += await world.versions_of("big", 6, type="model")
    await world.steps(("fan", [seed], outs))
    level = (await traverse(graph, spec(seed, depth=2))).levels[1]
    assert [(c.label, c.size) for c in level.clusters] == [("big", 6)]
    assert sorted(level.loose) == sorted(outs[:8]) and level.other == 0
    tight = (await traverse(graph, spec(seed, depth=2, max_items=4))).levels[1]
    assert [(c.label, c.size) for c in tight.clusters] == [("big", 6)]
    assert len(tight.loose) == 2 and tight.other == 6
    assert len(items(tight)) + 1 == 4


async def test_truncation_is_always_reported(graph: Graph, unique: Callable[[str], str]) -> None:
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    mids = await world.versions_of("mid", 10)
    finals = await world.versions_of("final", 10)
    await world.steps(
        ("fan", [seed], mids), *[("map", [m], [f]) for m, f in zip(mids, finals, strict=True)]
    )
    full = await traverse(graph, spec(seed, depth=4))
    assert [lvl.total for lvl in full.levels] == [1, 10, 10, 10] and not full.truncated

    sampled = await traverse(graph, spec(seed, depth=4, level_limit=3))
    assert sampled.truncation == (Truncation.LEVEL_LIMIT,)
    assert [(lvl.total, lvl.expanded, lvl.truncated) for lvl in sampled.levels] == [
        (1, 1, False),
        (10, 3, False),
        (3, 3, True),
        (3, 3, True),
    ]
    capped = await traverse(graph, spec(seed, depth=4, node_limit=15))
    assert capped.truncation == (Truncation.NODE_LIMIT,)
    assert [(lvl.total, lvl.truncated) for lvl in capped.levels] == [
        (1, False),
        (10, False),
        (4, True),
    ]
    late = await traverse(graph, spec(seed, depth=4, time_budget_ms=1))
    assert late.truncation == (Truncation.TIME_BUDGET,) and late.truncated
    assert len(late.levels) < 4


async def test_the_expanded_sample_takes_every_group_in_turn(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    """Two groups wider than the level limit: the sample alternates between them (and stops at
    the limit, however wide the groups are)."""
    world = await make_world(graph, unique("org"))
    seed = await world.version("raw")
    left = await world.versions_of("left", 5)
    right = await world.versions_of("right", 5)
    left_out = await world.versions_of("left-out", 5)
    right_out = await world.versions_of("right-out", 5)
    await world.steps(
        ("fan", [seed], left + right),
        *[("map", [m], [f]) for m, f in zip(left + right, left_out + right_out, strict=True)],
    )
    walked = await traverse(graph, spec(seed, depth=4, level_limit=3, cluster_threshold=10))
    assert [(lvl.total, lvl.expanded) for lvl in walked.levels] == [
        (1, 1),
        (10, 3),
        (3, 3),
        (3, 3),
    ]
    reached = set(walked.levels[3].loose)
    assert len(reached & set(left_out)) in (1, 2) and len(reached & set(right_out)) in (1, 2)
