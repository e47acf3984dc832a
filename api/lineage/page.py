"""Assembling a lineage answer from a traversal: items, edges, and the nodes it shows.

The nodes an answer shows (single nodes, cluster previews, the seed, and the runs that produced
the versions among them) are known level by level while the walk runs, so when the request
selects them they are loaded alongside the walk (`NodePrefetch`, a few queries per page) and
every node object is built once. Their fields then resolve as plain values: a depth-10 page
executes some 1,500 fields, and an awaitable per list or per version would cost more than the
queries.
"""

from __future__ import annotations

import asyncio

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
from api.lineage.nodes import PageNodes, page_nodes
from graph.lineage.clusters import OVERFLOW_KEY
from graph.lineage.levels import ClusterRow
from graph.lineage.model import Direction, NodeKind, WalkSpec
from graph.lineage.nodes import NodeDetails, NodeHandle, node_details
from graph.lineage.traversal import Level, Traversal

NODE_FIELDS = frozenset({"nodes", "preview", "seed"})
PREFETCH_BATCH = 40
"""Ids a prefetch query waits for while the walk goes on: each query costs the API about half a
millisecond of CPU besides its rows, so a page of ~150 nodes takes a few queries, not one per
level."""


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


class NodePrefetch:
    """Loads the nodes a page will show while the walk is still running.

    Each level's shown nodes (those of the node fields the request selects) are known as soon
    as the level is, so their details are read on another connection while the walk computes
    the next levels: one query at a time, each taking every id that arrived meanwhile (a few
    queries per page rather than one per level); what is left when the walk ends (the last
    levels, the seed) is read then. Nothing is returned before the caller is authorised
    (`lineage_graph`); a refused caller only costs these reads, as it costs the walk.
    """

    def __init__(self, info: Info[Context, None], asked: set[str]) -> None:
        self._graph = info.context.graph
        self.asked = asked
        self._producers = "producer" in asked
        self._requested: set[str] = set()
        self._pending: dict[NodeKind, list[str]] = {NodeKind.RUN: [], NodeKind.ARTIFACT_VERSION: []}
        self._tasks: list[asyncio.Task[NodeDetails]] = []
        self._closed = False
        self._sent = 0

    def level(self, level: Level) -> None:
        """`traverse`'s `on_level`: queue what this level shows, and load it unless a query is
        already running (the ids then go with the next one)."""
        if "nodes" in self.asked:
            self._queue(level.kind, level.loose)
        if "preview" in self.asked:
            for cluster in level.clusters:
                self._queue(level.kind, cluster.preview)
        self._maybe_flush()

    def _maybe_flush(self, _: object = None) -> None:
        idle = not self._tasks or self._tasks[-1].done()
        if idle and len(self._requested) - self._sent >= PREFETCH_BATCH:
            self._flush()

    def _queue(self, kind: NodeKind, ids: tuple[str, ...]) -> None:
        for node_id in ids:
            if node_id not in self._requested:
                self._requested.add(node_id)
                self._pending[kind].append(node_id)

    def _flush(self) -> None:
        runs, versions = self._pending[NodeKind.RUN], self._pending[NodeKind.ARTIFACT_VERSION]
        if self._closed or not (runs or versions):
            return
        self._pending = {NodeKind.RUN: [], NodeKind.ARTIFACT_VERSION: []}
        self._sent += len(runs) + len(versions)
        task = asyncio.create_task(
            node_details(
                self._graph, runs, versions, producers=self._producers, include_deleted=True
            )
        )
        task.add_done_callback(self._maybe_flush)
        self._tasks.append(task)

    async def nodes(self, seed: NodeHandle) -> PageNodes:
        """Everything loaded (the seed too when selected), once every query is done."""
        if "seed" in self.asked:
            self._queue(seed.kind, (seed.id,))
        self._flush()
        loaded = NodeDetails({}, {})
        done = 0
        while done < len(self._tasks):  # a finishing query may start one for the rest
            for details in await asyncio.gather(*self._tasks[done:]):
                loaded.runs.update(details.runs)
                loaded.versions.update(details.versions)
                done += 1
        return page_nodes(loaded, producers=self._producers)

    async def close(self) -> None:
        """Cancel what still runs (the walk or the authorisation failed) and collect every
        outcome, so no query outlives its request."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def prefetch_for(info: Info[Context, None]) -> NodePrefetch | None:
    """A prefetch for the node fields the request selects under `lineage`, or None."""
    asked = selected_names(info.selected_fields)
    return NodePrefetch(info, asked) if asked & NODE_FIELDS else None


async def lineage_graph(
    info: Info[Context, None], traversal: Traversal, prefetch: NodePrefetch | None = None
) -> LineageGraph:
    """The answer, with the nodes it shows taken from `prefetch` when there is one (otherwise
    a node field loads them through the request's DataLoaders)."""
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
    if prefetch is not None:
        _fill(answer, await prefetch.nodes(traversal.seed), prefetch.asked)
    return answer


def _fill(answer: LineageGraph, loaded: PageNodes, asked: set[str]) -> None:
    """Set the answer's node lists (and its seed) for the node fields in `asked`."""
    for level in answer.levels:
        if "nodes" in asked:
            level.node_list = loaded.nodes(level.kind, level.node_ids)
        if "preview" in asked:
            for cluster in level.clusters:
                cluster.preview_nodes = loaded.nodes(cluster.kind, cluster.preview_ids)
    if "seed" in asked:
        found = loaded.nodes(answer.seed_kind, [answer.seed_id])
        answer.seed_node = found[0] if found else None
