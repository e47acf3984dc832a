"""Members of one cluster of a traversal: searched by name or alias and paged in the database.

A cluster is not stored anywhere. Its level is re-derived from the walk that produced it (same
seed, direction, filters and bounds, hence the same frontier samples), then one query selects
the level's nodes of the cluster's group, filters them by `search` and returns one page in a
stable order (newest first, then id) with the total. The overflow cluster (`*`) holds the
level's nodes that are neither in a shown cluster nor shown one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import LimitExceeded, NotFound
from graph.lineage.levels import (
    GROUP_KEY,
    STEPS,
    IdList,
    Step,
    candidates_fragment,
    level_tx,
)
from graph.lineage.model import Direction, NodeKind, WalkSpec
from graph.lineage.traversal import Walker, WalkState, seed_handle_tx, with_budget

OVERFLOW_KEY = "*"

_SEARCH: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "toLower(m.name) CONTAINS $search OR toLower(m.id) STARTS WITH $search",
    NodeKind.ARTIFACT_VERSION: (
        "toLower(m.artifact_name + ':v' + toString(m.index)) CONTAINS $search "
        "OR EXISTS { MATCH (a:Alias)-[:POINTS_TO]->(m) WHERE toLower(a.name) CONTAINS $search }"
    ),
}


def _members_query(step: Step, historic: bool) -> LiteralString:
    kind = step.target_kind
    return (
        candidates_fragment(step, historic)
        + "LIMIT $scan_limit\nWITH m, "
        + GROUP_KEY[kind]
        + """ AS g
WHERE (CASE WHEN $key IS NULL THEN NOT g IN $shown_keys AND NOT m.id IN $shown_nodes
            ELSE g = $key END)
  AND ($search IS NULL OR """
        + _SEARCH[kind]
        + """)
WITH m ORDER BY m.created_at DESC, m.id
WITH collect(m.id) AS ids
RETURN size(ids) AS total, ids[$offset..$offset + $limit] AS page
"""
    )


MEMBERS_QUERIES: dict[tuple[Direction, NodeKind, bool], LiteralString] = {
    (*key, historic): _members_query(step, historic)
    for key, step in STEPS.items()
    for historic in (False, True)
}


@dataclass(frozen=True)
class MembersPage:
    kind: NodeKind
    ids: tuple[str, ...]
    total: int


@dataclass
class _Members:
    """The page once the cluster's level is re-derived and queried (None until then)."""

    page: MembersPage | None = None


async def _members_tx(
    tx: AsyncManagedTransaction,
    walker: Walker,
    members: _Members,
    direction: Direction,
    distance: int,
    key: str,
    scan_limit: int,
    search: str | None,
    offset: int,
    limit: int,
) -> None:
    seed = await seed_handle_tx(tx, walker.spec.seed_id, walker.spec.as_of)
    state = WalkState.at_seed(seed, direction)
    while state.distance < distance - 1:
        if await walker.next_level(tx, state) is None:
            break
    if state.distance != distance - 1 or not walker.spec.filters.allows(state.kind.other):
        if walker.stopped and walker.truncation:
            raise LimitExceeded("The time budget ran out before reaching the cluster's level")
        raise NotFound("This cluster's level no longer exists", field="id")
    params = walker.params(state, scan_limit)
    shown_keys: list[str] = []
    shown_nodes: list[str] = []
    if key == OVERFLOW_KEY:
        row = await level_tx(tx, state.step, state.frontier, params)
        shown_keys = [c.key for c in row.clusters]
        shown_nodes = list(row.loose)
    result = await tx.run(
        MEMBERS_QUERIES[(direction, state.kind, params.historic)],
        {
            "frontier": IdList(state.frontier),
            **params.as_dict(),
            "key": None if key == OVERFLOW_KEY else key,
            "shown_keys": shown_keys,
            "shown_nodes": shown_nodes,
            "search": None if not search else search.lower(),
            "offset": offset,
            "limit": limit,
        },
    )
    record = await result.single(strict=True)
    members.page = MembersPage(state.kind.other, tuple(record["page"]), int(record["total"]))


async def cluster_members(
    graph: Graph,
    spec: WalkSpec,
    direction: Direction,
    distance: int,
    key: str,
    scan_limit: int,
    *,
    search: str | None,
    offset: int,
    limit: int,
) -> MembersPage:
    """One page of a cluster's members (newest first) and how many match `search` in all.

    `scan_limit` is the node budget the level had when the cluster was computed, so a level
    cut by the node limit is re-derived with the same cut.
    """
    budgeted = await with_budget(
        graph,
        spec,
        _Members,
        _members_tx,
        direction,
        distance,
        key,
        scan_limit,
        search,
        offset,
        limit,
    )
    if budgeted.timed_out:
        raise LimitExceeded("The time budget ran out before the cluster was re-derived")
    page = budgeted.result.page
    assert page is not None  # the work sets it or raises
    return page
