"""Bounded lineage traversal: level by level over distinct nodes, clustered in the database.

A walk starts at a seed (a run or a COMMITTED version) and runs one `graph.lineage.levels` query
per level inside one read transaction. Between levels only element ids travel: the frontier
(at most `level_limit` nodes of the level, see below) and the `seen` list of nodes that could be
met again. Node details never cross the wire here; the API loads the few shown nodes by id.

Bounds, all reported, never silent:
- `level_limit`: at most this many nodes of a level are expanded into the next one. When a level
  has more, the following levels are computed from that sample, so they are flagged `truncated`
  (their counts are lower bounds) and the answer carries `LEVEL_LIMIT`.
- `node_limit`: the total number of nodes counted over all levels; the level that reaches it is
  flagged and the walk stops with `NODE_LIMIT`.
- `time_budget_ms`: checked before each level and enforced on the server as the transaction
  timeout; when it runs out the levels done so far are returned with `TIME_BUDGET`.
A node appears at most once in an answer, at its distance from the seed; with BOTH the upstream
and downstream walks are independent (in a DAG they cannot meet).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Concatenate, Generic, ParamSpec, TypeVar

from neo4j import AsyncManagedTransaction, unit_of_work
from neo4j.exceptions import ClientError, TransientError

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.lineage.levels import STEPS, ClusterRow, LevelParams, LevelRow, Step, level_tx
from graph.lineage.model import (
    PREVIEW_SIZE,
    Direction,
    EdgeKind,
    NodeKind,
    Truncation,
    WalkSpec,
)
from graph.lineage.nodes import NodeHandle, node_handles_tx

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Level:
    """One level of an answer: nodes at `distance` hops from the seed in `direction`."""

    direction: Direction
    distance: int
    kind: NodeKind
    edge_kind: EdgeKind
    total: int
    clusters: tuple[ClusterRow, ...]
    loose: tuple[str, ...]
    other: int
    edges: tuple[tuple[str, str, int], ...]
    expanded: int
    truncated: bool
    scan_limit: int


@dataclass(frozen=True)
class Traversal:
    seed: NodeHandle
    spec: WalkSpec
    levels: tuple[Level, ...]
    truncation: tuple[Truncation, ...]
    node_count: int
    elapsed_ms: float

    @property
    def truncated(self) -> bool:
        return bool(self.truncation)


@dataclass
class WalkState:
    """Where a one-way walk stands: the frontier level and what it needs for the next one."""

    direction: Direction
    kind: NodeKind
    distance: int
    frontier: list[str]
    seen: dict[NodeKind, list[str]]
    prev_nodes: list[str]
    prev_clusters: list[str]
    partial: bool = False

    @classmethod
    def at_seed(cls, seed: NodeHandle, direction: Direction) -> WalkState:
        seen: dict[NodeKind, list[str]] = {NodeKind.RUN: [], NodeKind.ARTIFACT_VERSION: []}
        seen[seed.kind].append(seed.element_id)
        return cls(direction, seed.kind, 0, [seed.element_id], seen, [seed.id], [])

    @property
    def step(self) -> Step:
        return STEPS[(self.direction, self.kind)]

    def advance(self, row: LevelRow) -> None:
        target = self.kind.other
        self.seen[target] = self.seen[target] + list(row.multi)
        self.partial = self.partial or row.total > len(row.carried)
        self.frontier = list(row.carried)
        self.kind = target
        self.distance += 1
        self.prev_nodes = list(row.loose)
        self.prev_clusters = [c.key for c in row.clusters]


@dataclass
class Walker:
    """Runs levels for one spec, sharing the node budget and deadline across walks."""

    spec: WalkSpec
    deadline: float
    counted: int = 0
    truncation: list[Truncation] = field(default_factory=list)
    stopped: bool = False

    def flag(self, reason: Truncation) -> None:
        if reason not in self.truncation:
            self.truncation.append(reason)

    def params(self, state: WalkState, remaining: int) -> LevelParams:
        filters, limits = self.spec.filters, self.spec.limits
        return LevelParams(
            seen=state.seen[state.kind.other],
            hidden=list(filters.hidden),
            job_types=None if filters.job_types is None else list(filters.job_types),
            artifact_types=None if filters.artifact_types is None else list(filters.artifact_types),
            scan_limit=remaining,
            cap=limits.level_limit,
            threshold=limits.cluster_threshold,
            max_items=limits.max_items,
            preview=PREVIEW_SIZE,
            prev_nodes=state.prev_nodes,
            prev_clusters=state.prev_clusters,
            # The level computed is state.distance + 1; its nodes can be met again two levels
            # later at the earliest, which exists only within the depth.
            track_multi=state.distance + 3 <= limits.depth,
            as_of=self.spec.as_of,
        )

    async def next_level(self, tx: AsyncManagedTransaction, state: WalkState) -> Level | None:
        """Compute the level after `state` (and advance it), or None when the walk ends here."""
        if self.stopped or not state.frontier or not self.spec.filters.allows(state.kind.other):
            return None
        if time.monotonic() >= self.deadline:
            self.flag(Truncation.TIME_BUDGET)
            self.stopped = True
            return None
        remaining = self.spec.limits.node_limit - self.counted
        step = state.step
        row = await level_tx(tx, step, state.frontier, self.params(state, remaining))
        if state.partial:
            self.flag(Truncation.LEVEL_LIMIT)
        if row.total == 0:
            return None
        self.counted += row.total
        hit_node_limit = row.total >= remaining
        level = Level(
            direction=state.direction,
            distance=state.distance + 1,
            kind=step.target_kind,
            edge_kind=step.edge_kind,
            total=row.total,
            clusters=row.clusters,
            loose=row.loose,
            other=row.other,
            edges=row.edges,
            expanded=len(row.carried),
            truncated=state.partial or hit_node_limit,
            scan_limit=remaining,
        )
        state.advance(row)
        if hit_node_limit:
            self.flag(Truncation.NODE_LIMIT)
            self.stopped = True
        return level


def is_timeout(error: Exception) -> bool:
    """True for the server ending a transaction at its timeout (our time budget)."""
    code = getattr(error, "code", None) or ""
    return "TransactionTimedOut" in code or code.endswith("Transaction.Terminated")


BudgetWork = Callable[Concatenate[AsyncManagedTransaction, Walker, R, P], Awaitable[None]]
"""A walk run by `with_budget`: it builds its result in the `R` it is handed as it goes, so
whatever it computed before the server ends the transaction at the deadline is still there."""


@dataclass(frozen=True)
class Budgeted(Generic[R]):
    """What a budgeted walk left: its result (partial when `timed_out`) and its walker, whose
    `truncation` and `counted` describe the bounds it met (TIME_BUDGET when `timed_out`)."""

    result: R
    walker: Walker
    timed_out: bool


async def with_budget(
    graph: Graph,
    spec: WalkSpec,
    start: Callable[[], R],
    work: BudgetWork[R, P],
    *args: P.args,
    **kwargs: P.kwargs,
) -> Budgeted[R]:
    """Run `work(tx, walker, start(), *args)` in a read transaction bounded by the time budget.

    The budget is checked by the walker before each level and enforced on the server as the
    transaction timeout. Each (retried) attempt starts from a fresh result and walker; the last
    attempt's are returned, with `timed_out` when the server cut it at the deadline.
    """
    budget = spec.limits.time_budget_ms / 1000
    deadline = time.monotonic() + budget
    latest = Budgeted(start(), Walker(spec, deadline), timed_out=False)

    @unit_of_work(timeout=budget + 0.5)
    async def run(tx: AsyncManagedTransaction) -> None:
        nonlocal latest
        latest = Budgeted(start(), Walker(spec, deadline), timed_out=False)
        await work(tx, latest.walker, latest.result, *args, **kwargs)

    try:
        await graph.read(run)
    except (ClientError, TransientError) as error:
        if not is_timeout(error):
            raise
        latest.walker.flag(Truncation.TIME_BUDGET)
        return replace(latest, timed_out=True)
    return latest


def _display_order(level: Level) -> int:
    return -level.distance if level.direction is Direction.UPSTREAM else level.distance


async def seed_handle_tx(
    tx: AsyncManagedTransaction, seed_id: str, as_of: datetime | None = None
) -> NodeHandle:
    seed = (await node_handles_tx(tx, [seed_id], as_of)).get(seed_id)
    if seed is None:
        raise NotFound("No run or committed artifact version with this id", field="seed")
    return seed


@dataclass
class _Walked:
    """What a traversal has found so far: its seed, then each level as it is computed."""

    seed: NodeHandle | None = None
    levels: list[Level] = field(default_factory=list)


async def _traverse_tx(
    tx: AsyncManagedTransaction,
    walker: Walker,
    walked: _Walked,
    seed: NodeHandle | None,
    on_level: Callable[[Level], None] | None,
) -> None:
    spec = walker.spec
    walked.seed = seed = seed or await seed_handle_tx(tx, spec.seed_id, spec.as_of)
    for direction in spec.direction.walks:
        state = WalkState.at_seed(seed, direction)
        while state.distance < spec.limits.depth:
            level = await walker.next_level(tx, state)
            if level is None:
                break
            walked.levels.append(level)
            if on_level is not None:
                on_level(level)


async def traverse(
    graph: Graph,
    spec: WalkSpec,
    seed: NodeHandle | None = None,
    on_level: Callable[[Level], None] | None = None,
) -> Traversal:
    """Walk from `spec.seed_id` in `spec.direction` up to `spec.limits.depth` levels.

    Levels come upstream first (farthest to nearest), then downstream (nearest to farthest).
    `NotFound` when the seed is neither a run nor a COMMITTED version. Pass `seed` when the
    caller already looked it up (to authorise before walking). `on_level` sees each level as
    soon as it is computed (so the caller can start loading what it shows while the walk goes
    on); when the transaction is retried it sees the levels again.
    """
    started = time.monotonic()
    budgeted = await with_budget(graph, spec, _Walked, _traverse_tx, seed, on_level)
    walked, walker = budgeted.result, budgeted.walker
    if walked.seed is None:  # the deadline came before the seed was looked up
        raise NotFound("No run or committed artifact version with this id", field="seed")
    return Traversal(
        seed=walked.seed,
        spec=spec,
        levels=tuple(sorted(walked.levels, key=_display_order)),
        truncation=tuple(walker.truncation),
        node_count=walker.counted,
        elapsed_ms=(time.monotonic() - started) * 1000,
    )
