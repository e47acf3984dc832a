"""Assembling a lineage answer from a traversal: items, edges, and the nodes it shows.

The nodes an answer shows (single nodes, cluster previews, the seed, and the runs that produced
the versions among them) are all known once the walk is done, so when the request selects them
they are loaded in one query and every node object is built once. Their fields then resolve as
plain values: a depth-10 page executes some 1,500 fields, and an awaitable per list or per
version would cost more than the query.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from api.authz import Action
from api.context import Context
from api.lineage.graph_types import (
    ClusterKeys,
    LineageCluster,
    LineageEdge,
    LineageGraph,
    LineageGrouping,
    LineageLevel,
)
from api.lineage.ids import walk_token
from api.lineage.nodes import page_nodes
from graph.clusters import OVERFLOW_KEY
from graph.lineage_levels import ClusterRow
from graph.lineage_model import Direction, NodeKind, WalkSpec
from graph.traversal import Level, Traversal

NODE_FIELDS = frozenset({"nodes", "preview", "seed"})


def _cluster(keys: ClusterKeys, row: ClusterRow) -> LineageCluster:
    grouping = LineageGrouping.JOB_TYPE if keys.kind is NodeKind.RUN else LineageGrouping.ARTIFACT
    ref = keys.ref(row.key)
    return LineageCluster(
        id=strawberry.ID(ref.encode()),
        kind=keys.kind,
        grouping=grouping,
        key=row.key,
        label=row.label,
        type=row.type,
        count=row.size,
        preview_ids=list(row.preview),
        ref=ref,
    )


def overflow_cluster(keys: ClusterKeys, count: int) -> LineageCluster:
    ref = keys.ref(OVERFLOW_KEY)
    return LineageCluster(
        id=strawberry.ID(ref.encode()),
        kind=keys.kind,
        grouping=LineageGrouping.OTHER,
        key=OVERFLOW_KEY,
        label="other",
        type=None,
        count=count,
        preview_ids=[],
        ref=ref,
        preview_nodes=[],
    )


def _keys(spec: WalkSpec, level: Level) -> ClusterKeys:
    one_way = WalkSpec(spec.seed_id, level.direction, spec.filters, spec.limits)
    binding = level.total >= level.scan_limit
    return ClusterKeys(
        one_way, level.direction, level.distance, level.kind, level.scan_limit, binding
    )


def _level(level: Level, keys: dict[tuple[Direction, int], ClusterKeys]) -> LineageLevel:
    here = keys[(level.direction, level.distance)]
    before = keys.get((level.direction, level.distance - 1)) or ClusterKeys(
        here.spec, level.direction, 0, level.kind.other, 0
    )
    clusters = [_cluster(here, row) for row in level.clusters]
    if level.other > 0:
        clusters.append(overflow_cluster(here, level.other))
    # An item is the end of several edges: its id is encoded once.
    near_ids: dict[str, str] = {}
    far_ids: dict[str, str] = {}
    downstream = level.direction is Direction.DOWNSTREAM
    edges = []
    for source_key, target_key, weight in level.edges:
        near = near_ids.get(source_key)
        if near is None:
            near = near_ids[source_key] = before.item(source_key)
        far = far_ids.get(target_key)
        if far is None:
            far = far_ids[target_key] = here.item(target_key)
        edges.append(
            LineageEdge(
                source=strawberry.ID(near if downstream else far),
                target=strawberry.ID(far if downstream else near),
                kind=level.edge_kind,
                count=weight,
            )
        )
    sign = -1 if level.direction is Direction.UPSTREAM else 1
    return LineageLevel(
        direction=level.direction,
        distance=sign * level.distance,
        kind=level.kind,
        node_count=level.total,
        expanded=level.expanded,
        truncated=level.truncated,
        clusters=clusters,
        edges=edges,
        node_ids=list(level.loose),
    )


def selected_names(selections: list[Selection]) -> set[str]:
    """Every field name selected anywhere below `selections` (fragments included)."""
    names: set[str] = set()
    pending = list(selections)
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        pending.extend(selection.selections)
    return names


async def lineage_graph(info: Info[Context, None], traversal: Traversal) -> LineageGraph:
    """The answer, with the nodes it shows loaded in one query when the request selects any
    (otherwise a node field would load them through the request's DataLoaders)."""
    await info.context.authorize(Action.READ, org=traversal.seed.org_name)
    keys = {(lvl.direction, lvl.distance): _keys(traversal.spec, lvl) for lvl in traversal.levels}
    answer = LineageGraph(
        walk=walk_token(traversal.spec),
        seed_id=traversal.seed.id,
        seed_kind=traversal.seed.kind,
        levels=[_level(level, keys) for level in traversal.levels],
        node_count=traversal.node_count,
        truncated=traversal.truncated,
        truncation=list(traversal.truncation),
        elapsed_ms=round(traversal.elapsed_ms, 3),
    )
    asked = selected_names(info.selected_fields)
    if asked & NODE_FIELDS:
        await _load_nodes(info, answer, asked)
    return answer


async def _load_nodes(info: Info[Context, None], answer: LineageGraph, asked: set[str]) -> None:
    """Fill the answer's node lists (and its seed) for the node fields in `asked`."""
    wanted: dict[NodeKind, list[str]] = {NodeKind.RUN: [], NodeKind.ARTIFACT_VERSION: []}
    for level in answer.levels:
        if "nodes" in asked:
            wanted[level.kind] += level.node_ids
        if "preview" in asked:
            for cluster in level.clusters:
                wanted[cluster.kind] += cluster.preview_ids
    if "seed" in asked:
        wanted[answer.seed_kind].append(answer.seed_id)
    loaded = await page_nodes(
        info,
        wanted[NodeKind.RUN],
        wanted[NodeKind.ARTIFACT_VERSION],
        producers="producer" in asked,
    )
    for level in answer.levels:
        if "nodes" in asked:
            level.node_list = loaded.nodes(level.kind, level.node_ids)
        if "preview" in asked:
            for cluster in level.clusters:
                cluster.preview_nodes = loaded.nodes(cluster.kind, cluster.preview_ids)
    if "seed" in asked:
        found = loaded.nodes(answer.seed_kind, [answer.seed_id])
        answer.seed_node = found[0] if found else None
