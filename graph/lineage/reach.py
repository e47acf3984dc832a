"""Everything within a depth of a seed, flat (no clusters): the node and edge sets two moments'
views are compared by (`lineageDiff`).

A level is one query from the frontier, as in `levels`, with the same filters (the present, or
as of a moment), returning each edge found; nodes met before are not expanded again. Bounded
by `MAX_REACH_NODES`: past it the sets are cut and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from graph.core.driver import Graph
from graph.core.tx import fetch_all
from graph.lineage.levels import HOP_FILTERS, HOP_FILTERS_AS_OF, STEPS, IdList, Step
from graph.lineage.model import Direction, NodeKind
from graph.lineage.nodes import NodeHandle

MAX_REACH_NODES = 5_000


def _reach_query(step: Step, historic: bool) -> LiteralString:
    filters = HOP_FILTERS_AS_OF if historic else HOP_FILTERS
    return (
        "UNWIND $frontier AS fid\n"
        + step.source_match
        + "\n"
        + step.expand
        + "\nWHERE "
        + filters[step.target_kind]
        + """
RETURN n.id AS source, m.id AS target, elementId(m) AS eid
LIMIT $limit
"""
    )


REACH_QUERIES: dict[tuple[Direction, NodeKind, bool], LiteralString] = {
    (*key, historic): _reach_query(step, historic)
    for key, step in STEPS.items()
    for historic in (False, True)
}


@dataclass(frozen=True)
class Reach:
    nodes: frozenset[tuple[NodeKind, str]]
    edges: frozenset[tuple[str, str, str]]
    """(upstream id, downstream id, CONSUMED or PRODUCED): the direction edges point in the
    graph is run -> version for PRODUCED, and version -> run (consumed by) for CONSUMED."""
    truncated: bool


async def reach(
    graph: Graph,
    seed: NodeHandle,
    direction: Direction,
    depth: int,
    as_of: datetime | None,
) -> Reach:
    """The nodes and edges within `depth` hops of `seed` walking `direction` (BOTH: both)."""
    nodes: set[tuple[NodeKind, str]] = {(seed.kind, seed.id)}
    edges: set[tuple[str, str, str]] = set()
    truncated = False
    for way in direction.walks:
        frontier, kind, seen = [seed.element_id], seed.kind, {seed.element_id}
        for _ in range(depth):
            if not frontier:
                break
            step = STEPS[(way, kind)]
            budget = MAX_REACH_NODES - len(nodes)
            rows = await graph.read(
                fetch_all,
                REACH_QUERIES[(way, kind, as_of is not None)],
                frontier=IdList(frontier),
                as_of=as_of,
                hidden=[],
                job_types=None,
                artifact_types=None,
                limit=budget * 4 + 1,
            )
            following: list[str] = []
            for row in rows:
                source, target = str(row["source"]), str(row["target"])
                upstream, downstream = (
                    (source, target)
                    if way is Direction.DOWNSTREAM
                    else (
                        target,
                        source,
                    )
                )
                edges.add((upstream, downstream, step.edge_kind.value))
                nodes.add((step.target_kind, target))
                if row["eid"] not in seen:
                    seen.add(row["eid"])
                    following.append(str(row["eid"]))
            if len(nodes) >= MAX_REACH_NODES or len(rows) > budget * 4:
                truncated = True
                break
            frontier, kind = following, step.target_kind
    return Reach(frozenset(nodes), frozenset(edges), truncated)
