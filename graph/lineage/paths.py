"""Why is X upstream of Y: the shortest lineage path(s) between two nodes.

Paths follow the data flow (version -> run that consumed it -> version it produced ...), at most
`MAX_PATH_HOPS` hops, through COMMITTED versions only. Shortest paths do not explode the way all
paths do on diamond-shaped graphs, and the query stops after `limit + 1` of them, so asking for
a few paths stays cheap however many shortest paths exist. Which of several equally short paths
come first is unspecified (but stable for unchanged data); `has_more` says whether there are
others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from graph.core.driver import Graph
from graph.core.errors import InvalidInput
from graph.core.tx import fetch_all
from graph.lineage.model import Direction, NodeKind
from graph.lineage.nodes import NodeHandle

MAX_PATH_HOPS = 50
MAX_PATHS = 20

_EXISTED: LiteralString = (
    "x.created_at <= $as_of"
    " AND (x.state = 'COMMITTED' OR (x.state = 'DELETED' AND x.deleted_at > $as_of))"
)
_RUN_EXISTED: LiteralString = "r.created_at <= $as_of"
_VV_AS_OF: LiteralString = (
    "((:ArtifactVersion)<-[cr:CONSUMED WHERE cr.at <= $as_of]-(r:Run WHERE "
    + _RUN_EXISTED
    + ")-[pr:PRODUCED WHERE pr.at <= $as_of]->(x:ArtifactVersion WHERE "
    + _EXISTED
    + "))"
)
_RR_AS_OF: LiteralString = (
    "((:Run)-[pr:PRODUCED WHERE pr.at <= $as_of]->(x:ArtifactVersion WHERE "
    + _EXISTED
    + ")<-[cr:CONSUMED WHERE cr.at <= $as_of]-(r:Run WHERE "
    + _RUN_EXISTED
    + "))"
)

_VV: LiteralString = (
    "((:ArtifactVersion)<-[:CONSUMED]-(:Run)-[:PRODUCED]->"
    "(x:ArtifactVersion WHERE x.state = 'COMMITTED'))"
)
_RR: LiteralString = (
    "((:Run)-[:PRODUCED]->(x:ArtifactVersion WHERE x.state = 'COMMITTED')<-[:CONSUMED]-(:Run))"
)

# From the upstream end `a` to the downstream end `b`; each group is two hops.
_PATTERNS: dict[tuple[NodeKind, NodeKind], LiteralString] = {
    (NodeKind.ARTIFACT_VERSION, NodeKind.ARTIFACT_VERSION): "(a) " + _VV + "{1,25} (b)",
    (NodeKind.RUN, NodeKind.RUN): "(a) " + _RR + "{1,25} (b)",
    (NodeKind.ARTIFACT_VERSION, NodeKind.RUN): (
        "(a) " + _VV + "{0,24} (:ArtifactVersion)<-[:CONSUMED]-(b)"
    ),
    (NodeKind.RUN, NodeKind.ARTIFACT_VERSION): ("(a) " + _RR + "{0,24} (:Run)-[:PRODUCED]->(b)"),
}
# The same as of `$as_of`: edges and nodes created by then, versions deleted since included.
_PATTERNS_AS_OF: dict[tuple[NodeKind, NodeKind], LiteralString] = {
    (NodeKind.ARTIFACT_VERSION, NodeKind.ARTIFACT_VERSION): "(a) " + _VV_AS_OF + "{1,25} (b)",
    (NodeKind.RUN, NodeKind.RUN): "(a) " + _RR_AS_OF + "{1,25} (b)",
    (NodeKind.ARTIFACT_VERSION, NodeKind.RUN): (
        "(a) "
        + _VV_AS_OF
        + "{0,24} (:ArtifactVersion)<-[last:CONSUMED WHERE last.at <= $as_of]-(b)"
    ),
    (NodeKind.RUN, NodeKind.ARTIFACT_VERSION): (
        "(a) " + _RR_AS_OF + "{0,24} (:Run)-[last:PRODUCED WHERE last.at <= $as_of]->(b)"
    ),
}
_LABEL: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "Run",
    NodeKind.ARTIFACT_VERSION: "ArtifactVersion",
}


def _query(upstream: NodeKind, downstream: NodeKind, historic: bool) -> LiteralString:
    patterns = _PATTERNS_AS_OF if historic else _PATTERNS
    return (
        "MATCH (a:"
        + _LABEL[upstream]
        + " {id: $a}), (b:"
        + _LABEL[downstream]
        + """ {id: $b})
MATCH p = ALL SHORTEST """
        + patterns[(upstream, downstream)]
        + """
RETURN [n IN nodes(p) | n.id] AS ids
LIMIT $limit
"""
    )


PATH_QUERIES: dict[tuple[NodeKind, NodeKind, bool], LiteralString] = {
    (*key, historic): _query(*key, historic) for key in _PATTERNS for historic in (False, True)
}


@dataclass(frozen=True)
class Paths:
    """Shortest paths from `source` (upstream) to `target` (downstream), as node ids."""

    source: NodeHandle
    target: NodeHandle
    direction: Direction | None
    paths: tuple[tuple[str, ...], ...]
    has_more: bool

    @property
    def hops(self) -> int | None:
        return len(self.paths[0]) - 1 if self.paths else None


async def _shortest(
    graph: Graph, a: NodeHandle, b: NodeHandle, limit: int, as_of: datetime | None
) -> list[list[str]]:
    rows = await graph.read(
        fetch_all,
        PATH_QUERIES[(a.kind, b.kind, as_of is not None)],
        a=a.id,
        b=b.id,
        limit=limit + 1,
        as_of=as_of,
    )
    return [list(row["ids"]) for row in rows]


async def shortest_paths(
    graph: Graph, x: NodeHandle, y: NodeHandle, limit: int, as_of: datetime | None = None
) -> Paths:
    """Up to `limit` shortest paths between x and y, whichever of them is upstream.

    `direction` is DOWNSTREAM when y is downstream of x, UPSTREAM when it is upstream, and None
    when neither reaches the other within `MAX_PATH_HOPS` hops.
    """
    if not 1 <= limit <= MAX_PATHS:
        raise InvalidInput(f"limit must be between 1 and {MAX_PATHS}", field="limit")
    if x.id == y.id:
        return Paths(x, y, None, ((x.id,),), False)
    if x.org_id != y.org_id:
        return Paths(x, y, None, (), False)
    for source, target, direction in ((x, y, Direction.DOWNSTREAM), (y, x, Direction.UPSTREAM)):
        found = await _shortest(graph, source, target, limit, as_of)
        if found:
            return Paths(
                source,
                target,
                direction,
                tuple(tuple(p) for p in found[:limit]),
                len(found) > limit,
            )
    return Paths(x, y, None, (), False)
