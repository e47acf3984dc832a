"""A traversal as GraphQL: levels of nodes and clusters, and the edges between levels.

Every item of an answer has an id: a node's global id, or a cluster's opaque id. Edges join the
items of consecutive levels in the direction data flows (`source` upstream of `target`) and
count the relationships they stand for, so a cluster of 10,000 versions fed by one run is one
edge with count 10,000. The answer's size depends on `maxItemsPerLevel`, never on how wide the
levels are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.lineage.ids import ClusterRef, global_id, walk_token
from api.lineage.nodes import LineageNode, lineage_nodes_of
from api.pagination import Connection, connection, page_of
from graph import clusters as graph_clusters
from graph.clusters import OVERFLOW_KEY
from graph.lineage_levels import ClusterRow
from graph.lineage_model import Direction, EdgeKind, NodeKind, Truncation, WalkSpec
from graph.traversal import Level, Traversal

LineageDirection = strawberry.enum(
    Direction,
    name="LineageDirection",
    description="DOWNSTREAM follows the data (version -> consuming run -> produced version).",
)
LineageEdgeKind = strawberry.enum(EdgeKind, name="LineageEdgeKind")
LineageTruncation = strawberry.enum(
    Truncation,
    name="LineageTruncation",
    description="Why an answer is incomplete: a level was sampled, the node cap or the time "
    "budget was reached.",
)


@strawberry.enum(description="What the members of a cluster share.")
class LineageGrouping(Enum):
    JOB_TYPE = "JOB_TYPE"
    ARTIFACT = "ARTIFACT"
    OTHER = "OTHER"


@strawberry.type(description="Nodes of one level that share a kind, shown as one item.")
class LineageCluster:
    id: strawberry.ID = strawberry.field(
        description="Unique within the answer; with the answer's `walk`, "
        "`lineageCluster(walk:, id:)` finds this cluster again."
    )
    kind: NodeKind
    grouping: LineageGrouping
    key: str = strawberry.field(description="Job type, artifact id, or `*` for the overflow.")
    label: str = strawberry.field(description="Job type, artifact name, or `other`.")
    type: str | None = strawberry.field(description="Job type or artifact type.")
    count: int
    preview_ids: strawberry.Private[list[str]]
    ref: strawberry.Private[ClusterRef]

    @strawberry.field(description="A few members (at most 3), in the order the walk met them.")
    async def preview(self, info: Info[Context, None]) -> list[LineageNode]:
        return await lineage_nodes_of(info, self.kind, self.preview_ids)

    @strawberry.field(description="Members whose name (or alias) contains `search`, newest first.")
    async def members(
        self,
        info: Info[Context, None],
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LineageNode]:
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        found = await graph_clusters.cluster_members(
            info.context.graph,
            self.ref.spec,
            self.ref.direction,
            self.ref.distance,
            self.ref.key,
            self.ref.scan_limit,
            search=search,
            offset=page.offset,
            limit=page.limit,
        )
        nodes = await lineage_nodes_of(info, found.kind, list(found.ids))
        return connection(nodes, found.total, page, lambda node: node)


@strawberry.type(description="Relationships between an item of a level and one of the next.")
class LineageEdge:
    source: strawberry.ID = strawberry.field(description="The upstream item (node or cluster).")
    target: strawberry.ID = strawberry.field(description="The downstream item.")
    kind: EdgeKind
    count: int = strawberry.field(description="How many CONSUMED/PRODUCED relationships.")


@strawberry.type(description="The nodes at one distance from the seed, in one direction.")
class LineageLevel:
    direction: Direction
    distance: int = strawberry.field(description="Hops from the seed; negative upstream.")
    kind: NodeKind
    node_count: int = strawberry.field(
        description="Distinct nodes at this distance (a lower bound when truncated)."
    )
    expanded: int = strawberry.field(description="How many of them the next level was built from.")
    truncated: bool = strawberry.field(
        description="True when this level may be missing nodes (a cap or the budget cut it)."
    )
    clusters: list[LineageCluster]
    edges: list[LineageEdge] = strawberry.field(
        description="Between the level nearer the seed and this one."
    )
    node_ids: strawberry.Private[list[str]]

    @strawberry.field(description="Nodes shown one by one (not in a cluster), newest first.")
    async def nodes(self, info: Info[Context, None]) -> list[LineageNode]:
        return await lineage_nodes_of(info, self.kind, self.node_ids)


@strawberry.type(description="A bounded traversal around a seed, by levels.")
class LineageGraph:
    walk: str = strawberry.field(
        description="Opaque token of this walk (seed, direction, filters, bounds), for "
        "`lineageCluster`."
    )
    levels: list[LineageLevel] = strawberry.field(
        description="Upstream levels farthest first, then downstream levels nearest first."
    )
    node_count: int
    truncated: bool
    truncation: list[Truncation]
    elapsed_ms: float
    seed_id: strawberry.Private[str]
    seed_kind: strawberry.Private[NodeKind]

    @strawberry.field
    async def seed(self, info: Info[Context, None]) -> LineageNode:
        (node,) = await lineage_nodes_of(info, self.seed_kind, [self.seed_id])
        return node


@dataclass(frozen=True)
class ClusterKeys:
    """Turns the keys a level query returns into item ids of one level."""

    spec: WalkSpec
    direction: Direction
    distance: int
    kind: NodeKind
    scan_limit: int
    binding: bool = False

    def item(self, key: str) -> str:
        if key.startswith("c:"):
            return self.cluster_id(key[2:])
        if key == OVERFLOW_KEY:
            return self.cluster_id(OVERFLOW_KEY)
        return global_id(self.kind, key)

    def ref(self, group: str) -> ClusterRef:
        return ClusterRef(
            self.spec, self.direction, self.distance, group, self.scan_limit, self.binding
        )

    def cluster_id(self, group: str) -> str:
        return self.ref(group).encode()


def _cluster(keys: ClusterKeys, row: ClusterRow) -> LineageCluster:
    grouping = LineageGrouping.JOB_TYPE if keys.kind is NodeKind.RUN else LineageGrouping.ARTIFACT
    return LineageCluster(
        id=strawberry.ID(keys.cluster_id(row.key)),
        kind=keys.kind,
        grouping=grouping,
        key=row.key,
        label=row.label,
        type=row.type,
        count=row.size,
        preview_ids=list(row.preview),
        ref=keys.ref(row.key),
    )


def overflow_cluster(keys: ClusterKeys, count: int, preview: list[str]) -> LineageCluster:
    return LineageCluster(
        id=strawberry.ID(keys.cluster_id(OVERFLOW_KEY)),
        kind=keys.kind,
        grouping=LineageGrouping.OTHER,
        key=OVERFLOW_KEY,
        label="other",
        type=None,
        count=count,
        preview_ids=preview,
        ref=keys.ref(OVERFLOW_KEY),
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
        clusters.append(overflow_cluster(here, level.other, []))
    edges = []
    for source_key, target_key, weight in level.edges:
        near, far = before.item(source_key), here.item(target_key)
        upstream, downstream = (
            (near, far) if level.direction is Direction.DOWNSTREAM else (far, near)
        )
        edges.append(
            LineageEdge(
                source=strawberry.ID(upstream),
                target=strawberry.ID(downstream),
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


async def lineage_graph(info: Info[Context, None], traversal: Traversal) -> LineageGraph:
    """The answer; node details load later, in one batch per kind, for the fields asked."""
    await info.context.authorize(Action.READ, org=traversal.seed.org_name)
    keys = {(lvl.direction, lvl.distance): _keys(traversal.spec, lvl) for lvl in traversal.levels}
    return LineageGraph(
        walk=walk_token(traversal.spec),
        seed_id=traversal.seed.id,
        seed_kind=traversal.seed.kind,
        levels=[_level(level, keys) for level in traversal.levels],
        node_count=traversal.node_count,
        truncated=traversal.truncated,
        truncation=list(traversal.truncation),
        elapsed_ms=round(traversal.elapsed_ms, 3),
    )
