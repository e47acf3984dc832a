"""Shortest lineage paths between two nodes, and downstream impact counts, as GraphQL types."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.lineage.nodes import LineageNode, lineage_nodes_of, node_key
from graph.lineage import impact, paths
from graph.lineage import nodes as lineage_nodes
from graph.lineage.model import Direction, NodeKind, Truncation, WalkLimits, WalkSpec


@strawberry.type(description="One path, upstream end first; runs and versions alternate.")
class LineagePath:
    ids: strawberry.Private[list[str]]
    first_kind: strawberry.Private[NodeKind]

    @strawberry.field(description="Hops: relationships along the path (nodes minus one).")
    def length(self) -> int:
        return len(self.ids) - 1

    @strawberry.field(
        description="The runs and versions along the path, from its upstream end to its "
        "downstream end."
    )
    async def nodes(self, info: Info[Context, None]) -> list[LineageNode]:
        by_kind: dict[NodeKind, list[str]] = {k: [] for k in NodeKind}
        for i, node_id in enumerate(self.ids):
            kind = self.first_kind if i % 2 == 0 else self.first_kind.other
            by_kind[kind].append(node_id)
        loaded: dict[str, LineageNode] = {}
        for kind, ids in by_kind.items():
            for node in await lineage_nodes_of(info, kind, ids):
                loaded[node_key(node)] = node
        return [loaded[i] for i in self.ids if i in loaded]


@strawberry.type(description="Shortest paths between two nodes (at most 50 hops).")
class LineagePaths:
    direction: Direction | None = strawberry.field(
        description="DOWNSTREAM when `to` is downstream of `from`, UPSTREAM when upstream, null "
        "when neither reaches the other."
    )
    paths: list[LineagePath] = strawberry.field(
        description="The shortest paths, all of one length, at most `limit` of them; empty when "
        "neither node reaches the other."
    )
    has_more: bool = strawberry.field(description="More shortest paths exist than returned.")


@strawberry.type(description="How many nodes of one type.")
class TypeCount:
    type: str = strawberry.field(description="A job type (runs) or an artifact type (versions).")
    count: int = strawberry.field(description="How many nodes of that type.")


@strawberry.type(description="What lies downstream of a node, counted by type, not listed.")
class LineageImpact:
    node: LineageNode = strawberry.field(description="The node whose impact was counted.")
    run_count: int = strawberry.field(description="Distinct runs downstream of it.")
    version_count: int = strawberry.field(
        description="Distinct committed versions downstream of it."
    )
    runs_by_job_type: list[TypeCount] = strawberry.field(
        description="`runCount` by job type, largest count first (ties by name)."
    )
    versions_by_artifact_type: list[TypeCount] = strawberry.field(
        description="`versionCount` by artifact type, largest count first (ties by name)."
    )
    depth_reached: int = strawberry.field(
        description="Hops from the node to the farthest level walked; below `depth` when "
        "nothing lies further."
    )
    truncated: bool = strawberry.field(description="True when the counts are lower bounds.")
    truncation: list[Truncation] = strawberry.field(
        description="Which bounds cut the walk short; empty when `truncated` is false."
    )
    elapsed_ms: float = strawberry.field(description="Server time spent walking, in milliseconds.")


async def paths_between(
    info: Info[Context, None],
    source: str,
    target: str,
    limit: int,
    as_of: datetime | None = None,
) -> LineagePaths | None:
    handles = await lineage_nodes.node_handles(info.context.graph, [source, target], as_of)
    if source not in handles or target not in handles:
        return None
    for handle in handles.values():
        await info.context.authorize(Action.READ, org=handle.org_name)
    found = await paths.shortest_paths(
        info.context.graph, handles[source], handles[target], limit, as_of
    )
    return LineagePaths(
        direction=found.direction,
        paths=[LineagePath(ids=list(p), first_kind=found.source.kind) for p in found.paths],
        has_more=found.has_more,
    )


async def impact_of(
    info: Info[Context, None], node: str, limits: WalkLimits, as_of: datetime | None = None
) -> LineageImpact | None:
    handle = (await lineage_nodes.node_handles(info.context.graph, [node], as_of)).get(node)
    if handle is None:
        return None
    await info.context.authorize(Action.READ, org=handle.org_name)
    counted = await impact.impact(
        info.context.graph, WalkSpec(node, Direction.DOWNSTREAM, limits=limits, as_of=as_of)
    )
    seed = (await lineage_nodes_of(info, handle.kind, [node]))[0]
    return LineageImpact(
        node=seed,
        run_count=counted.run_count,
        version_count=counted.version_count,
        runs_by_job_type=[TypeCount(type=t, count=c) for t, c in counted.runs_by_job_type],
        versions_by_artifact_type=[TypeCount(type=t, count=c) for t, c in counted.versions_by_type],
        depth_reached=counted.depth_reached,
        truncated=counted.truncated,
        truncation=list(counted.truncation),
        elapsed_ms=round(counted.elapsed_ms, 3),
    )
