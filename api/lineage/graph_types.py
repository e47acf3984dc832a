"""A traversal as GraphQL: levels of nodes and clusters, and the edges between levels.

Every item of an answer has an id: a node's global id, or a cluster's opaque id. Edges join the
items of consecutive levels in the direction data flows (`source` upstream of `target`) and
count the relationships they stand for, so a cluster of 10,000 versions fed by one run is one
edge with count 10,000. The answer's size depends on `maxItemsPerLevel`, never on how wide the
levels are.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from enum import Enum

import strawberry
from strawberry.types import Info

from api.context import Context
from api.lineage.ids import ClusterRef, global_id
from api.lineage.nodes import LineageNode, lineage_nodes_of
from api.pagination import Connection, connection, page_of
from graph.lineage import clusters as graph_clusters
from graph.lineage.clusters import OVERFLOW_KEY
from graph.lineage.model import Direction, EdgeKind, NodeKind, Truncation, WalkSpec

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
    preview_nodes: strawberry.Private[list[LineageNode] | None] = None
    """`preview` when it was loaded with the page."""

    @strawberry.field(
        description="A few members (at most 3), in the order the walk met them.",
        graphql_type=list[LineageNode],
    )
    def preview(
        self, info: Info[Context, None]
    ) -> list[LineageNode] | Awaitable[list[LineageNode]]:
        if self.preview_nodes is not None:
            return self.preview_nodes
        return lineage_nodes_of(info, self.kind, self.preview_ids)

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
    node_list: strawberry.Private[list[LineageNode] | None] = None
    """`nodes` when they were loaded with the page."""

    @strawberry.field(
        description="Nodes shown one by one (not in a cluster), newest first.",
        graphql_type=list[LineageNode],
    )
    def nodes(self, info: Info[Context, None]) -> list[LineageNode] | Awaitable[list[LineageNode]]:
        if self.node_list is not None:
            return self.node_list
        return lineage_nodes_of(info, self.kind, self.node_ids)


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
    seed_node: strawberry.Private[LineageNode | None] = None
    """`seed` when it was loaded with the page."""

    @strawberry.field(graphql_type=LineageNode)
    def seed(self, info: Info[Context, None]) -> LineageNode | Awaitable[LineageNode]:
        if self.seed_node is not None:
            return self.seed_node
        return _one_node(info, self.seed_kind, self.seed_id)


async def _one_node(info: Info[Context, None], kind: NodeKind, node_id: str) -> LineageNode:
    (node,) = await lineage_nodes_of(info, kind, [node_id])
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
