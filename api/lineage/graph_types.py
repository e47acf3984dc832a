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
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.context import Context
from api.enums import described_enum
from api.lineage.ids import ClusterRef, global_id
from api.lineage.nodes import LineageNode, lineage_nodes_of
from api.pagination import After, Connection, First, connection, page_of
from graph.lineage import clusters as graph_clusters
from graph.lineage.clusters import OVERFLOW_KEY
from graph.lineage.model import Direction, EdgeKind, NodeKind, Truncation, WalkSpec

LineageDirection = described_enum(
    Direction,
    name="LineageDirection",
    description="DOWNSTREAM follows the data (version -> consuming run -> produced version).",
    values={
        "UPSTREAM": "Towards what the seed was made from: producing runs, their inputs, ...",
        "DOWNSTREAM": "Towards what was made from the seed: consuming runs, their outputs, ...",
        "BOTH": "Upstream and downstream, each up to the depth.",
    },
)
LineageEdgeKind = described_enum(
    EdgeKind,
    name="LineageEdgeKind",
    description="How a run and an artifact version are related.",
    values={
        "CONSUMED": "The run used the version as an input.",
        "PRODUCED": "The run created the version as an output, or logged identical content "
        "again (re-produced it); the first such run is the version's producer.",
    },
)
LineageTruncation = described_enum(
    Truncation,
    name="LineageTruncation",
    description="Why an answer is incomplete: a level was sampled, the node cap or the time "
    "budget was reached.",
    values={
        "LEVEL_LIMIT": "A level had more nodes than `levelLimit`; only that many were expanded "
        "into the next level.",
        "NODE_LIMIT": "The walk met `nodeLimit` nodes in all and stopped.",
        "TIME_BUDGET": "`timeBudgetMs` ran out; the levels walked so far are returned.",
    },
)


class LineageGrouping(Enum):
    JOB_TYPE = "JOB_TYPE"
    ARTIFACT = "ARTIFACT"
    OTHER = "OTHER"


described_enum(
    LineageGrouping,
    name="LineageGrouping",
    description="What the members of a cluster share.",
    values={
        "JOB_TYPE": "Runs of one job type (`key` and `label` are the job type).",
        "ARTIFACT": "Versions of one artifact (`key` its id, `label` its name).",
        "OTHER": "The rest of the level once `maxItemsPerLevel` items are shown (`key` `*`).",
    },
)


@strawberry.type(description="Nodes of one level that share a kind, shown as one item.")
class LineageCluster:
    id: strawberry.ID = strawberry.field(
        description="Unique within the answer; with the answer's `walk`, "
        "`lineageCluster(walk:, id:)` finds this cluster again."
    )
    kind: NodeKind = strawberry.field(description="Whether the members are runs or versions.")
    grouping: LineageGrouping = strawberry.field(description="What the members share.")
    key: str = strawberry.field(description="Job type, artifact id, or `*` for the overflow.")
    label: str = strawberry.field(description="Job type, artifact name, or `other`.")
    type: str | None = strawberry.field(
        description="Job type or artifact type; null for the overflow."
    )
    count: int = strawberry.field(description="How many nodes the cluster stands for.")
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
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only members whose name or an alias contains this text; null for all."
            ),
        ] = None,
        first: First = None,
        after: After = None,
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
    kind: EdgeKind = strawberry.field(description="What the relationships are.")
    count: int = strawberry.field(description="How many CONSUMED/PRODUCED relationships.")


@strawberry.type(description="The nodes at one distance from the seed, in one direction.")
class LineageLevel:
    direction: Direction = strawberry.field(description="UPSTREAM or DOWNSTREAM of the seed.")
    distance: int = strawberry.field(description="Hops from the seed; negative upstream.")
    kind: NodeKind = strawberry.field(
        description="Runs or versions: levels alternate between the two."
    )
    node_count: int = strawberry.field(
        description="Distinct nodes at this distance (a lower bound when truncated)."
    )
    expanded: int = strawberry.field(description="How many of them the next level was built from.")
    truncated: bool = strawberry.field(
        description="True when this level may be missing nodes (a cap or the budget cut it)."
    )
    clusters: list[LineageCluster] = strawberry.field(
        description="Groups of this level's nodes shown as one item each (a group counts when it "
        "holds at least `clusterThreshold` nodes, and the overflow)."
    )
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
    node_count: int = strawberry.field(
        description="Nodes counted over all levels, the seed not included (a lower bound "
        "when truncated)."
    )
    truncated: bool = strawberry.field(
        description="True when some level may be missing nodes; see `truncation`."
    )
    truncation: list[Truncation] = strawberry.field(
        description="Which bounds cut the walk short; empty when `truncated` is false."
    )
    elapsed_ms: float = strawberry.field(description="Server time spent walking, in milliseconds.")
    seed_id: strawberry.Private[str]
    seed_kind: strawberry.Private[NodeKind]
    seed_node: strawberry.Private[LineageNode | None] = None
    """`seed` when it was loaded with the page."""

    @strawberry.field(graphql_type=LineageNode, description="The node the walk started from.")
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
