"""One level of a lineage walk: a single Cypher query from the frontier to the next distinct nodes.

The walk never enumerates paths. Each level takes the frontier as element ids, expands one hop,
drops nodes seen before and nodes pruned by the filters, and returns only what a page needs:

- `total`: how many new distinct nodes this level has (bounded by `$scan_limit`);
- `clusters`: groups of at least `$threshold` nodes sharing a kind (runs by job type, versions by
  artifact) with their size, label and a preview of the newest `$preview` members;
- `loose`: ids of the nodes shown one by one, newest first;
- `other`: how many nodes were folded into the level's overflow cluster when clusters plus loose
  nodes would exceed `$max_items` (so the answer's size never depends on the level's width);
- `edges`: [source, target, count] between the previous level's items and this level's items
  (item keys: a node id, `c:<group key>` for a cluster, `*` for the overflow cluster);
- `carried`: element ids of at most `$cap` nodes that the next level expands, taken from the
  groups in turn (a deterministic sample for the same data);
- `multi`: element ids of new nodes reachable through two or more edges of the walk direction.
  Only those can be met again at a later level, so only they join the caller's `seen` list; this
  keeps `$seen` small without losing exactness (a node with a single incoming edge is found
  exactly once, from its only neighbour). Empty when `$track_multi` is false (the walk ends
  before a node of this level could be met again).

The eight queries (direction x frontier kind x frontier of one node or more) are composed at
import time from named parts (frontier match, hop with filters, grouping, clustering, edges,
`multi`, carried sample, return), each a constant or chosen from closed sets by the `Step`; nothing
from the request is ever formatted into Cypher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.lineage.model import Direction, EdgeKind, NodeKind


@dataclass(frozen=True)
class Step:
    """How one hop looks from a frontier of `frontier_kind` walking `direction`."""

    direction: Direction
    frontier_kind: NodeKind
    edge_kind: EdgeKind
    source_match: LiteralString
    expand: LiteralString
    back_pattern: LiteralString
    one_parent: bool = False
    """True when a candidate has at most one edge of this kind: such a
    node can never be met twice, so the level skips looking for nodes to add to `seen`."""

    @property
    def target_kind(self) -> NodeKind:
        return self.frontier_kind.other


_RUN_FILTER: LiteralString = "($job_types IS NULL OR m.job_type IN $job_types)"
_VERSION_FILTER: LiteralString = (
    "m.state = 'COMMITTED' AND ($artifact_types IS NULL OR m.artifact_type IN $artifact_types)"
)
GROUP_KEY: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "m.job_type",
    NodeKind.ARTIFACT_VERSION: "m.artifact_id",
}
"""What a candidate `m` is clustered by: runs by job type, versions by artifact."""
_SOURCE_GROUP: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "n.job_type",
    NodeKind.ARTIFACT_VERSION: "n.artifact_id",
}
_LABEL: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "label: x.members[0][0].job_type, type: x.members[0][0].job_type",
    NodeKind.ARTIFACT_VERSION: (
        "label: x.members[0][0].artifact_name, type: x.members[0][0].artifact_type"
    ),
}
HOP_FILTERS: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: _RUN_FILTER,
    NodeKind.ARTIFACT_VERSION: _VERSION_FILTER,
}
HOP_FILTERS_AS_OF: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "e.at <= $as_of AND m.created_at <= $as_of AND " + _RUN_FILTER,
    NodeKind.ARTIFACT_VERSION: (
        "e.at <= $as_of AND m.created_at <= $as_of"
        " AND (m.state = 'COMMITTED' OR (m.state = 'DELETED' AND m.deleted_at > $as_of))"
        " AND ($artifact_types IS NULL OR m.artifact_type IN $artifact_types)"
    ),
}
"""The same filters as of `$as_of` (a walk with `WalkSpec.as_of`): edges and nodes created by
then, versions not yet deleted then (deleted since: kept, they are tombstones now). Separate
queries, so a walk of the present pays nothing for history."""

STEPS: dict[tuple[Direction, NodeKind], Step] = {
    (Direction.DOWNSTREAM, NodeKind.ARTIFACT_VERSION): Step(
        Direction.DOWNSTREAM,
        NodeKind.ARTIFACT_VERSION,
        EdgeKind.CONSUMED,
        "MATCH (n:ArtifactVersion) WHERE elementId(n) = fid",
        "MATCH (n)<-[e:CONSUMED]-(m:Run)",
        "(m)-[:CONSUMED]->()",
    ),
    (Direction.DOWNSTREAM, NodeKind.RUN): Step(
        Direction.DOWNSTREAM,
        NodeKind.RUN,
        EdgeKind.PRODUCED,
        "MATCH (n:Run) WHERE elementId(n) = fid",
        "MATCH (n)-[e:PRODUCED]->(m:ArtifactVersion)",
        "(m)<-[:PRODUCED]-()",
        # Not one_parent: runs that logged identical content re-produced the version too.
    ),
    (Direction.UPSTREAM, NodeKind.ARTIFACT_VERSION): Step(
        Direction.UPSTREAM,
        NodeKind.ARTIFACT_VERSION,
        EdgeKind.PRODUCED,
        "MATCH (n:ArtifactVersion) WHERE elementId(n) = fid",
        "MATCH (n)<-[e:PRODUCED]-(m:Run)",
        "(m)-[:PRODUCED]->()",
    ),
    (Direction.UPSTREAM, NodeKind.RUN): Step(
        Direction.UPSTREAM,
        NodeKind.RUN,
        EdgeKind.CONSUMED,
        "MATCH (n:Run) WHERE elementId(n) = fid",
        "MATCH (n)-[e:CONSUMED]->(m:ArtifactVersion)",
        "(m)<-[:CONSUMED]-()",
    ),
}


# The parts of a level query, in the order they appear in it. Each is a constant or a function
# of the step (the closed set above), so every query is a LiteralString fixed at import time.


def _frontier_match(step: Step) -> LiteralString:
    """Rows `n, skey`: each frontier node and the key it has among the previous level's items
    (its id, `c:<group>` when it is in a shown cluster, `*` when in the overflow cluster)."""
    source_group = _SOURCE_GROUP[step.frontier_kind]
    return (
        "UNWIND $frontier AS fid\n"
        + step.source_match
        + "\nWITH n, CASE WHEN n.id IN $prev_nodes THEN n.id WHEN "
        + source_group
        + " IN $prev_clusters THEN 'c:' + "
        + source_group
        + " ELSE '*' END AS skey\n"
    )


def _hop(step: Step, historic: bool) -> LiteralString:
    """Rows `n, skey, m`: one hop in the walk's direction, to neighbours that pass the filters
    (not hidden; a version COMMITTED and of an asked artifact type, a run of an asked job type;
    `historic`: as they were at `$as_of`)."""
    filters = HOP_FILTERS_AS_OF if historic else HOP_FILTERS
    return step.expand + "\nWHERE NOT m.id IN $hidden AND " + filters[step.target_kind] + "\n"


_UNSEEN_BY_NODE: LiteralString = """WITH m, collect(skey) AS skeys
WITH m, skeys, elementId(m) AS mid
WHERE NOT mid IN $seen
"""
"""Rows `m, mid, skeys`: each new distinct node once, with its frontier neighbours' keys."""

_UNSEEN_FROM_ONE: LiteralString = """WITH DISTINCT skey, m
WITH skey, m, elementId(m) AS mid
WHERE NOT mid IN $seen
"""
"""Rows `skey, m, mid`: each new node once (one frontier node, so one edge per node)."""


def candidates_fragment(step: Step, historic: bool = False) -> LiteralString:
    """Rows `m, mid, skeys`: new distinct nodes passing the filters, with the display keys of
    their frontier neighbours (one per edge); shared by the level, member and impact queries."""
    return _frontier_match(step) + _hop(step, historic) + _UNSEEN_BY_NODE


def _single_source_fragment(step: Step, historic: bool) -> LiteralString:
    """Like `candidates_fragment` for a frontier of one node: no per-node source keys (every
    candidate has exactly one edge from it), the source's key travels as `skey`."""
    return _frontier_match(step) + _hop(step, historic) + _UNSEEN_FROM_ONE


# No ORDER BY over the level's nodes: sorting 10,000 rows costs more than the rest of the level.
# Members keep the order they were found in (frontier order, then relationship order), which is
# deterministic for the same data. Sorts inside a CALL that imports a big list would be charged
# the list's size per buffered row by the memory tracker, so there are none.


def _groups(kind: NodeKind, single: bool) -> LiteralString:
    """One row `skey, groups`: at most `$scan_limit` new nodes grouped by kind (runs by job type,
    versions by artifact), largest group first; each member is `[m, mid]`, plus `skeys` when
    the frontier has several nodes (`skey` is then null)."""
    if single:
        return (
            "LIMIT $scan_limit\nWITH skey, "
            + GROUP_KEY[kind]
            + """ AS g, collect([m, mid]) AS members
ORDER BY size(members) DESC, g
WITH min(skey) AS skey, collect({key: g, size: size(members), members: members}) AS groups
"""
        )
    return (
        "LIMIT $scan_limit\nWITH "
        + GROUP_KEY[kind]
        + """ AS g, collect([m, mid, skeys]) AS members
ORDER BY size(members) DESC, g
WITH collect({key: g, size: size(members), members: members}) AS groups
WITH null AS skey, groups
"""
    )


_CLUSTERING: LiteralString = """WITH skey, groups, reduce(s = 0, x IN groups | s + x.size) AS total,
     [x IN groups WHERE x.size >= $threshold] AS big
WITH skey, groups, total, big, total - reduce(s = 0, x IN big | s + x.size) AS loose_count
WITH skey, groups, total, big, loose_count, size(big) + loose_count <= $max_items AS fits
WITH skey, groups, total, big, loose_count, fits,
     CASE WHEN fits OR size(big) < $max_items - 1 THEN size(big) ELSE $max_items - 1 END AS shown
WITH skey, groups, total, big[..shown] AS clusters,
     CASE WHEN fits THEN loose_count ELSE $max_items - 1 - shown END AS loose_slots
WITH skey, groups, total, clusters, [x IN clusters | x.key] AS cluster_keys,
     reduce(acc = [], x IN [x IN groups WHERE x.size < $threshold] |
       CASE WHEN size(acc) >= $max_items THEN acc ELSE acc + x.members END)[..loose_slots]
       AS loose_members
WITH skey, groups, total, cluster_keys, [c IN loose_members | c[0].id] AS loose,
     [c IN loose_members | [c[0].id, c[0].created_at.epochMillis]] AS loose_rows,
"""
"""Splits the groups into shown clusters (at least `$threshold` members), loose nodes shown one
by one and the overflow, so that clusters plus loose nodes stay within `$max_items`; continued
by `_cluster_rows`."""


def _cluster_rows(kind: NodeKind) -> LiteralString:
    """`cluster_rows`: each shown cluster's key, size, label, type and newest members' ids."""
    return (
        "     [x IN clusters | {key: x.key, size: x.size, "
        + _LABEL[kind]
        + """,
       preview: [c IN x.members[..$preview] | c[0].id]}] AS cluster_rows
"""
    )


_EDGES_BY_NODE: LiteralString = """CALL (groups, cluster_keys, loose) {
  UNWIND groups AS x
  UNWIND x.members AS c
  WITH c[2] AS skeys,
       CASE WHEN x.key IN cluster_keys THEN 'c:' + x.key
            WHEN c[0].id IN loose THEN c[0].id ELSE '*' END AS target
  UNWIND skeys AS source
  WITH source, target, count(*) AS weight
  RETURN collect([source, target, weight]) AS edges
}
"""
"""`edges`: [source item, target item, count] between the previous level and this one."""

_EDGES_FROM_ONE: LiteralString = "WITH *, [] AS edges\n"
"""No edges from the database: with one source `level_tx` derives them from the items."""


def _multi(step: Step, single: bool) -> LiteralString:
    """`multi`: element ids of new nodes with two or more edges in the walk direction (only
    those can be met again later), when `$track_multi`; always empty for a `one_parent` step."""
    if step.one_parent:
        return "WITH *, [] AS multi\n"
    met_twice: LiteralString = "COUNT { " + step.back_pattern + " } > 1"
    if not single:
        met_twice = "size(c[2]) > 1 OR " + met_twice
    return (
        """CALL (groups) {
  WITH groups WHERE $track_multi
  UNWIND groups AS x
  UNWIND x.members AS c
  WITH c, c[0] AS m
  WHERE """
        + met_twice
        + """
  RETURN collect(c[1]) AS multi
}
"""
    )


_CARRIED: LiteralString = """WITH skey, total, cluster_rows, loose_rows, edges, multi,
     CASE WHEN size(groups) = 1 THEN [c IN groups[0].members[..$cap] | c[1]]
          ELSE reduce(acc = [], r IN range(0, coalesce(groups[0].size, 0) - 1)[..$cap] |
                 CASE WHEN size(acc) >= $cap THEN acc
                      ELSE acc + [x IN groups WHERE x.size > r | x.members[r][1]] END)[..$cap]
     END AS carried
"""
"""`carried`: at most `$cap` element ids to expand next, taken from the groups in turn (the
first member of each, then the second...) so that every group is sampled. Each round adds at
least one id (the first group is the largest), so `$cap` rounds fill it: the rounds stop there
instead of running on through the largest group (10,000 of them on a 10,000-wide level)."""

_RETURN: LiteralString = """RETURN skey, total, cluster_rows AS clusters, loose_rows AS loose,
       total - reduce(s = 0, x IN cluster_rows | s + x.size) - size(loose_rows) AS other,
       edges, carried, multi
"""


def _level_query(step: Step, single: bool, historic: bool) -> LiteralString:
    """The level query of `step`; `single` for a frontier of one node (no per-node edges),
    `historic` for a walk as of `$as_of`."""
    kind = step.target_kind
    return (
        (_single_source_fragment(step, historic) if single else candidates_fragment(step, historic))
        + _groups(kind, single)
        + _CLUSTERING
        + _cluster_rows(kind)
        + (_EDGES_FROM_ONE if single else _EDGES_BY_NODE)
        + _multi(step, single)
        + _CARRIED
        + _RETURN
    )


LEVEL_QUERIES: dict[tuple[Direction, NodeKind, bool, bool], LiteralString] = {
    (*key, single, historic): _level_query(step, single, historic)
    for key, step in STEPS.items()
    for single in (False, True)
    for historic in (False, True)
}
"""The sixteen level queries: (walk direction, frontier kind, frontier of a single node, as of
a moment)."""


class IdList(list[str]):
    """A list of element ids as a query parameter, shown by its length in `repr`.

    The driver formats every RUN's parameters for a debug log line even when debug logging is
    off; the `seen` list of a deep walk holds thousands of ids, and printing it each level cost
    more than a millisecond per level at depth 20. Sent to the server as a plain list.
    """

    def __repr__(self) -> str:
        return f"<{len(self)} ids>"


@dataclass(frozen=True)
class ClusterRow:
    key: str
    size: int
    label: str
    type: str
    preview: tuple[str, ...]


@dataclass(frozen=True)
class LevelRow:
    """What one level query returned (see the module docstring)."""

    total: int
    clusters: tuple[ClusterRow, ...]
    loose: tuple[str, ...]
    other: int
    edges: tuple[tuple[str, str, int], ...]
    carried: tuple[str, ...]
    multi: tuple[str, ...]


@dataclass(frozen=True)
class LevelParams:
    """Inputs of one level query besides the frontier."""

    seen: list[str]
    hidden: list[str]
    job_types: list[str] | None
    artifact_types: list[str] | None
    scan_limit: int
    cap: int
    threshold: int
    max_items: int
    preview: int
    prev_nodes: list[str]
    prev_clusters: list[str]
    track_multi: bool = True
    """False when no later level can meet this level's nodes again (the walk ends within two
    levels): the level then skips looking for `multi`."""
    as_of: datetime | None = None
    """Walk the graph as it was at this moment (the historic queries); None: now."""

    @property
    def historic(self) -> bool:
        return self.as_of is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "seen": IdList(self.seen),
            "hidden": self.hidden,
            "job_types": self.job_types,
            "artifact_types": self.artifact_types,
            "scan_limit": self.scan_limit,
            "cap": self.cap,
            "threshold": self.threshold,
            "max_items": self.max_items,
            "preview": self.preview,
            "prev_nodes": self.prev_nodes,
            "prev_clusters": self.prev_clusters,
            "track_multi": self.track_multi,
        }


async def level_tx(
    tx: AsyncManagedTransaction, step: Step, frontier: list[str], params: LevelParams
) -> LevelRow:
    """Run one level query inside the caller's transaction and return its plain result."""
    single = len(frontier) == 1
    query = LEVEL_QUERIES[(step.direction, step.frontier_kind, single, params.historic)]
    result = await tx.run(query, {"frontier": IdList(frontier), **params.as_dict()})
    record = await result.single(strict=True)
    clusters = tuple(
        ClusterRow(
            key=str(c["key"]),
            size=int(c["size"]),
            label=str(c["label"]),
            type=str(c["type"]),
            preview=tuple(c["preview"]),
        )
        for c in record["clusters"]
    )
    loose = tuple(node_id for node_id, _ in _newest_first(record["loose"]))
    other = int(record["other"])
    if single:
        # One source: every node of the level hangs on it by exactly one relationship.
        source = str(record["skey"])
        edges = [(source, f"c:{c.key}", c.size) for c in clusters]
        edges += [(source, node_id, 1) for node_id in loose]
        edges += [(source, "*", other)] if other else []
    else:
        edges = [(str(s), str(t), int(w)) for s, t, w in record["edges"]]
    return LevelRow(
        total=int(record["total"]),
        clusters=clusters,
        loose=loose,
        other=other,
        edges=tuple(edges),
        carried=tuple(record["carried"]),
        multi=tuple(record["multi"]),
    )


def _newest_first(rows: list[list[Any]]) -> list[list[Any]]:
    """Loose nodes come back as [id, created_at]; at most `max_items` of them, sorted here."""
    return sorted(rows, key=lambda row: (-_timestamp(row[1]), row[0]))


def _timestamp(value: Any) -> float:
    return float("-inf") if value is None else float(value)
