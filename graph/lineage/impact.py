"""Impact of a node: how many runs and versions lie downstream of it, by type, without listing.

The same level-by-level walk as `graph.lineage.traversal`, but each level only returns counts per
job
type (runs) or artifact type (versions) plus the frontier for the next level. Counts are exact
unless the answer says it was truncated (then they are lower bounds).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.lineage.levels import STEPS, IdList, LevelRow, Step, candidates_fragment
from graph.lineage.model import Direction, NodeKind, Truncation, WalkSpec
from graph.lineage.nodes import NodeHandle
from graph.lineage.traversal import Walker, WalkState, seed_handle_tx, with_budget

_TYPE: dict[NodeKind, LiteralString] = {
    NodeKind.RUN: "m.job_type",
    NodeKind.ARTIFACT_VERSION: "m.artifact_type",
}


def _impact_query(step: Step, historic: bool) -> LiteralString:
    return (
        candidates_fragment(step, historic)
        + "LIMIT $scan_limit\nWITH "
        + _TYPE[step.target_kind]
        + """ AS t, collect([m, mid, skeys]) AS members
ORDER BY size(members) DESC, t
WITH collect({type: t, size: size(members), members: members}) AS groups
CALL (groups) {
  UNWIND groups AS x
  UNWIND x.members AS c
  WITH c, c[0] AS m
  WHERE size(c[2]) > 1 OR COUNT { """
        + step.back_pattern
        + """ } > 1
  RETURN collect(c[1]) AS multi
}
RETURN [x IN groups | [x.type, x.size]] AS counts,
       reduce(s = 0, x IN groups | s + x.size) AS total,
       CASE WHEN size(groups) = 1 THEN [c IN groups[0].members[..$cap] | c[1]]
            ELSE reduce(acc = [], r IN range(0, coalesce(groups[0].size, 0) - 1) |
                   CASE WHEN size(acc) >= $cap THEN acc
                        ELSE acc + [x IN groups WHERE x.size > r | x.members[r][1]] END)[..$cap]
       END AS carried,
       multi
"""
    )


IMPACT_QUERIES: dict[tuple[NodeKind, bool], LiteralString] = {
    (kind, historic): _impact_query(STEPS[(Direction.DOWNSTREAM, kind)], historic)
    for kind in NodeKind
    for historic in (False, True)
}


@dataclass(frozen=True)
class Impact:
    seed: NodeHandle
    runs_by_job_type: tuple[tuple[str, int], ...]
    versions_by_type: tuple[tuple[str, int], ...]
    depth_reached: int
    truncation: tuple[Truncation, ...]
    elapsed_ms: float

    @property
    def run_count(self) -> int:
        return sum(count for _, count in self.runs_by_job_type)

    @property
    def version_count(self) -> int:
        return sum(count for _, count in self.versions_by_type)

    @property
    def truncated(self) -> bool:
        return bool(self.truncation)


def _no_counts() -> dict[NodeKind, Counter[str]]:
    return {kind: Counter() for kind in NodeKind}


@dataclass
class _Tally:
    """What the walk has counted so far (kept when the deadline cuts it)."""

    seed: NodeHandle | None = None
    depth: int = 0
    counts: dict[NodeKind, Counter[str]] = field(default_factory=_no_counts)


async def _impact_tx(tx: AsyncManagedTransaction, walker: Walker, tally: _Tally) -> None:
    tally.seed = seed = await seed_handle_tx(tx, walker.spec.seed_id, walker.spec.as_of)
    state = WalkState.at_seed(seed, Direction.DOWNSTREAM)
    while state.distance < walker.spec.limits.depth and state.frontier:
        if time.monotonic() >= walker.deadline:
            walker.flag(Truncation.TIME_BUDGET)
            return
        remaining = walker.spec.limits.node_limit - walker.counted
        params = walker.params(state, remaining).as_dict()
        record = await (
            await tx.run(
                IMPACT_QUERIES[(state.kind, walker.spec.as_of is not None)],
                {"frontier": IdList(state.frontier), **params},
            )
        ).single(strict=True)
        if state.partial:
            walker.flag(Truncation.LEVEL_LIMIT)
        total = int(record["total"])
        if total == 0:
            return
        walker.counted += total
        for type_name, count in record["counts"]:
            tally.counts[state.kind.other][str(type_name)] += int(count)
        tally.depth = state.distance + 1
        # Counts only: no clusters or nodes are shown, so the next level keys no edges.
        shown_nothing = LevelRow(
            total=total,
            clusters=(),
            loose=(),
            other=0,
            edges=(),
            carried=tuple(record["carried"]),
            multi=tuple(record["multi"]),
        )
        state.advance(shown_nothing)
        if total >= remaining:
            walker.flag(Truncation.NODE_LIMIT)
            return


def _sorted(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


async def impact(graph: Graph, spec: WalkSpec) -> Impact:
    """Downstream counts from `spec.seed_id` within `spec.limits` (direction is ignored)."""
    started = time.monotonic()
    budgeted = await with_budget(graph, spec, _Tally, _impact_tx)
    tally, walker = budgeted.result, budgeted.walker
    if tally.seed is None:  # the deadline came before the seed was looked up
        raise NotFound("No run or committed artifact version with this id", field="seed")
    return Impact(
        seed=tally.seed,
        runs_by_job_type=_sorted(tally.counts[NodeKind.RUN]),
        versions_by_type=_sorted(tally.counts[NodeKind.ARTIFACT_VERSION]),
        depth_reached=tally.depth,
        truncation=tuple(walker.truncation),
        elapsed_ms=(time.monotonic() - started) * 1000,
    )
