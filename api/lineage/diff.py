"""`lineageDiff`: how the lineage around a node changed between two moments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.history import checked_as_of
from api.lineage import graph_types  # noqa: F401  (names Direction and EdgeKind in the schema)
from api.lineage.ids import global_id, node_id
from api.lineage.nodes import LineageNode, lineage_nodes_of
from graph.core.errors import InvalidInput
from graph.lineage import nodes as lineage_nodes
from graph.lineage.model import DEFAULT_DEPTH, MAX_DEPTH, Direction, EdgeKind, NodeKind
from graph.lineage.reach import MAX_REACH_NODES, reach

REACH_DEPTH_LIMIT = min(MAX_DEPTH, 20)


@strawberry.type(description="An edge of the lineage DAG, by the ids of its ends.")
class LineageDiffEdge:
    source: strawberry.ID = strawberry.field(
        description="The upstream end: the version a run consumed, or the run that produced."
    )
    target: strawberry.ID = strawberry.field(
        description="The downstream end: the consuming run, or the produced version."
    )
    kind: EdgeKind = strawberry.field(description="CONSUMED or PRODUCED.")


@strawberry.type(
    description="What the lineage within `depth` of a node gained and lost from one moment to "
    "another: nodes (runs, versions) and edges. Versions deleted in between are `removed`; "
    "runs, versions and edges created in between are `added`."
)
class LineageDiff:
    added_nodes: list[LineageNode] = strawberry.field(description="Nodes only at `to`.")
    removed_nodes: list[LineageNode] = strawberry.field(
        description="Nodes only at `from` (versions deleted since are shown with `deletedAt`)."
    )
    added_edges: list[LineageDiffEdge] = strawberry.field(description="Edges only at `to`.")
    removed_edges: list[LineageDiffEdge] = strawberry.field(description="Edges only at `from`.")
    truncated: bool = strawberry.field(
        description=f"True when either view held more than {MAX_REACH_NODES} nodes and was "
        "cut (the lists are then partial)."
    )


def _edge(edge: tuple[str, str, str], kinds: dict[str, NodeKind]) -> LineageDiffEdge:
    source, target, kind = edge
    return LineageDiffEdge(
        source=strawberry.ID(global_id(kinds.get(source, NodeKind.RUN), source)),
        target=strawberry.ID(global_id(kinds.get(target, NodeKind.RUN), target)),
        kind=EdgeKind(kind),
    )


async def _nodes(info: Info[Context, None], items: set[tuple[NodeKind, str]]) -> list[LineageNode]:
    found: list[LineageNode] = []
    for kind in NodeKind:
        ids = sorted(node for k, node in items if k is kind)
        found.extend(await lineage_nodes_of(info, kind, ids))
    return found


@strawberry.type
class LineageDiffQuery:
    @strawberry.field(
        description="How the lineage around a run or version changed between two moments. "
        "Null when the node did not exist at either moment."
    )
    async def lineage_diff(
        self,
        info: Info[Context, None],
        seed: Annotated[
            strawberry.ID, strawberry.argument(description="Id of a run or artifact version.")
        ],
        from_: Annotated[
            datetime,
            strawberry.argument(name="from", description="The earlier moment (UTC, with zone)."),
        ],
        to: Annotated[
            datetime | None,
            strawberry.argument(description="The later moment; null: now."),
        ] = None,
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to look from the node.")
        ] = Direction.BOTH,
        depth: Annotated[
            int,
            strawberry.argument(description=f"Hops in each direction, 0 to {REACH_DEPTH_LIMIT}."),
        ] = DEFAULT_DEPTH,
    ) -> LineageDiff | None:
        if not 0 <= depth <= REACH_DEPTH_LIMIT:
            raise InvalidInput(f"depth must be between 0 and {REACH_DEPTH_LIMIT}", field="depth")
        earlier, later = checked_as_of(from_), checked_as_of(to)
        assert earlier is not None
        if later is not None and later < earlier:
            raise InvalidInput("`to` is before `from`", field="to")
        seed_id = node_id(seed, field="seed")
        graph = info.context.graph
        at_from = (await lineage_nodes.node_handles(graph, [seed_id], earlier)).get(seed_id)
        at_to = (await lineage_nodes.node_handles(graph, [seed_id], later)).get(seed_id)
        handle = at_to or at_from
        if handle is None:
            return None
        await info.context.authorize(Action.READ, org=handle.org_name)
        before = await reach(graph, at_from, direction, depth, earlier) if at_from else None
        after = await reach(graph, at_to, direction, depth, later) if at_to else None
        old_nodes = set(before.nodes) if before else set()
        new_nodes = set(after.nodes) if after else set()
        old_edges = set(before.edges) if before else set()
        new_edges = set(after.edges) if after else set()
        kinds = {node: kind for kind, node in old_nodes | new_nodes}
        return LineageDiff(
            added_nodes=await _nodes(info, new_nodes - old_nodes),
            removed_nodes=await _nodes(info, old_nodes - new_nodes),
            added_edges=[_edge(e, kinds) for e in sorted(new_edges - old_edges)],
            removed_edges=[_edge(e, kinds) for e in sorted(old_edges - new_edges)],
            truncated=bool((before and before.truncated) or (after and after.truncated)),
        )
