"""The vocabulary of lineage walks: directions, node kinds, filters and bounds.

Lineage is a bipartite DAG of runs and artifact versions. Data flows from a version into the runs
that CONSUMED it and from a run into the versions it PRODUCED; "downstream" follows that flow and
"upstream" goes against it. Only COMMITTED versions take part (PENDING ones are drafts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from graph.core.errors import InvalidInput

MAX_DEPTH = 50
DEFAULT_DEPTH = 3
DEFAULT_CLUSTER_THRESHOLD = 5
DEFAULT_LEVEL_LIMIT = 500
MAX_LEVEL_LIMIT = 10_000
DEFAULT_NODE_LIMIT = 100_000
MAX_NODE_LIMIT = 1_000_000
DEFAULT_TIME_BUDGET_MS = 5_000
MAX_TIME_BUDGET_MS = 60_000
DEFAULT_MAX_ITEMS = 20
MAX_ITEMS = 500
PREVIEW_SIZE = 3
MAX_HIDDEN = 1_000
MAX_FILTER_VALUES = 100


class Direction(Enum):
    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"

    @property
    def walks(self) -> tuple[Direction, ...]:
        """The one-way walks this direction is made of (BOTH is upstream then downstream)."""
        if self is Direction.BOTH:
            return (Direction.UPSTREAM, Direction.DOWNSTREAM)
        return (self,)


class NodeKind(Enum):
    RUN = "RUN"
    ARTIFACT_VERSION = "ARTIFACT_VERSION"

    @property
    def other(self) -> NodeKind:
        return NodeKind.ARTIFACT_VERSION if self is NodeKind.RUN else NodeKind.RUN


class EdgeKind(Enum):
    CONSUMED = "CONSUMED"
    PRODUCED = "PRODUCED"


class Truncation(Enum):
    """Why a walk stopped short of what was asked (never silently)."""

    LEVEL_LIMIT = "LEVEL_LIMIT"
    NODE_LIMIT = "NODE_LIMIT"
    TIME_BUDGET = "TIME_BUDGET"


@dataclass(frozen=True)
class WalkFilters:
    """Pruning applied during the walk: a node failing a filter is neither returned nor expanded.

    `None` means "no filter"; an empty tuple matches nothing. `hidden` holds node ids (uuid hex).
    """

    artifact_types: tuple[str, ...] | None = None
    job_types: tuple[str, ...] | None = None
    kinds: tuple[NodeKind, ...] | None = None
    hidden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, values in (("artifactTypes", self.artifact_types), ("jobTypes", self.job_types)):
            if values is not None and len(values) > MAX_FILTER_VALUES:
                raise InvalidInput(f"at most {MAX_FILTER_VALUES} {name}", field=name)
        if len(self.hidden) > MAX_HIDDEN:
            raise InvalidInput(f"at most {MAX_HIDDEN} hidden nodes", field="hide")

    def allows(self, kind: NodeKind) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class WalkLimits:
    """The bounds of one traversal; `validated` refuses values outside the documented ranges."""

    depth: int = DEFAULT_DEPTH
    level_limit: int = DEFAULT_LEVEL_LIMIT
    node_limit: int = DEFAULT_NODE_LIMIT
    time_budget_ms: int = DEFAULT_TIME_BUDGET_MS
    cluster_threshold: int = DEFAULT_CLUSTER_THRESHOLD
    max_items: int = DEFAULT_MAX_ITEMS

    def __post_init__(self) -> None:
        _check_range("depth", self.depth, 0, MAX_DEPTH)
        _check_range("levelLimit", self.level_limit, 1, MAX_LEVEL_LIMIT)
        _check_range("nodeLimit", self.node_limit, 1, MAX_NODE_LIMIT)
        _check_range("timeBudgetMs", self.time_budget_ms, 1, MAX_TIME_BUDGET_MS)
        _check_range("clusterThreshold", self.cluster_threshold, 2, 1_000_000)
        _check_range("maxItemsPerLevel", self.max_items, 2, MAX_ITEMS)


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", field=name)


@dataclass(frozen=True)
class WalkSpec:
    """Everything that determines a traversal's answer, so a level can be re-derived exactly."""

    seed_id: str
    direction: Direction = Direction.BOTH
    filters: WalkFilters = field(default_factory=WalkFilters)
    limits: WalkLimits = field(default_factory=WalkLimits)
    as_of: datetime | None = None
    """Walk the graph as it was at this moment: edges and nodes created by then, versions deleted
    since included (tombstones now); None walks the present."""
