"""A write that keeps losing deadlocks until the driver stops retrying it is answered UNAVAILABLE
(retry later), not INTERNAL. The fault suite (bench/faults.py, 50 writers) saw commits fail as
INTERNAL right after Neo4j came back: while the driver still counts the server as down it
retries for half a second only, and concurrent commits on one artifact deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import LiteralString

import pytest
from neo4j import AsyncManagedTransaction

from graph.access.orgs import create_organization
from graph.core.driver import Graph
from graph.core.errors import Unavailable

# Takes the node's write lock and changes nothing.
LOCK: LiteralString = "MATCH (o:Organization {id: $id}) SET o._lock = true REMOVE o._lock"
WAIT = 5.0


async def test_a_deadlock_the_driver_gave_up_on_is_unavailable(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    a = (await create_organization(graph, unique("lock-a"))).id
    b = (await create_organization(graph, unique("lock-b"))).id
    a_locked = [asyncio.Event() for _ in range(2)]
    b_locked = [asyncio.Event() for _ in range(2)]
    attempts = 0

    async def loser(tx: AsyncManagedTransaction) -> None:
        """Holds b, then asks for a while a holder holds a and waits for b: a deadlock in
        every attempt."""
        nonlocal attempts
        attempt, attempts = attempts, attempts + 1
        await (await tx.run(LOCK, id=b)).consume()
        if attempt >= len(a_locked):
            return
        b_locked[attempt].set()
        await asyncio.wait_for(a_locked[attempt].wait(), WAIT)
        await asyncio.sleep(0.3)  # the holder is now waiting for b
        await (await tx.run(LOCK, id=a)).consume()

    async def holder(tx: AsyncManagedTransaction, attempt: int) -> None:
        await asyncio.wait_for(b_locked[attempt].wait(), WAIT)
        await (await tx.run(LOCK, id=a)).consume()
        a_locked[attempt].set()
        await (await tx.run(LOCK, id=b)).consume()  # once the loser's attempt rolled back

    async def later(write: Awaitable[None]) -> None:
        """Neo4j fails the younger transaction of a deadlock: the loser begins last."""
        await asyncio.sleep(0.3)
        await write

    graph.reachability.down = True  # as right after an outage: half a second of retries
    try:
        outcome, *others = await asyncio.gather(
            later(graph.write(loser)),
            graph.write(holder, 0),
            graph.write(holder, 1),
            return_exceptions=True,
        )
    finally:
        graph.reachability.down = False
    if attempts < 2:
        pytest.skip(f"no second deadlock to give up on ({outcome!r}, {others!r}, {attempts})")
    assert isinstance(outcome, Unavailable), repr(outcome)
    assert outcome.code == "UNAVAILABLE"
