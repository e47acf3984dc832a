"""`with_budget`: a walk's result survives the server ending its transaction at the deadline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.lineage.model import Truncation, WalkLimits, WalkSpec
from graph.lineage.traversal import Walker, with_budget

# Far more rows than the server counts in the half second a 1 ms budget allows.
SLOW: LiteralString = "UNWIND range(1, 10000000000) AS x RETURN count(x) AS n"


@dataclass
class _Steps:
    done: list[str] = field(default_factory=list)


async def _two_steps_tx(
    tx: AsyncManagedTransaction, walker: Walker, steps: _Steps, second: LiteralString
) -> None:
    steps.done.append("first")
    await (await tx.run(second)).consume()
    steps.done.append("second")


async def test_result_and_walker_of_a_finished_walk(graph: Graph) -> None:
    spec = WalkSpec(seed_id="none")
    budgeted = await with_budget(graph, spec, _Steps, _two_steps_tx, "RETURN 1")
    assert budgeted.result.done == ["first", "second"]
    assert not budgeted.timed_out
    assert budgeted.walker.spec == spec and budgeted.walker.truncation == []


async def test_server_timeout_keeps_the_partial_result(graph: Graph) -> None:
    spec = WalkSpec(seed_id="none", limits=WalkLimits(time_budget_ms=1))
    started = time.monotonic()
    budgeted = await with_budget(graph, spec, _Steps, _two_steps_tx, SLOW)
    assert budgeted.timed_out
    assert budgeted.result.done == ["first"]
    assert budgeted.walker.truncation == [Truncation.TIME_BUDGET]
    assert time.monotonic() - started < 30
