"""Retrying a write whose transaction lost a race with a concurrent delete of a node it matched.

A transaction that matched a `(:Blob)` and then waits for its lock can find, once the lock is
granted, that garbage collection deleted the node meanwhile: Neo4j then fails the statement with
`EntityNotFound`, which the driver does not retry. The transaction was rolled back, so running it
again is safe, and the retry sees the graph without that node (and, for instance, asks the
client to upload the blob again).
"""

from __future__ import annotations

import asyncio
from typing import ParamSpec, TypeVar

from neo4j.exceptions import ClientError

from graph.core.driver import Graph, TxWork

P = ParamSpec("P")
T = TypeVar("T")

ENTITY_NOT_FOUND = "Neo.ClientError.Statement.EntityNotFound"
ATTEMPTS = 5


async def write_retrying(graph: Graph, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`graph.write(work, ...)`, run again (up to 5 times) after `EntityNotFound`."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await graph.write(work, *args, **kwargs)
        except ClientError as error:
            if error.code != ENTITY_NOT_FOUND or attempt == ATTEMPTS:
                raise
            await asyncio.sleep(0.01 * attempt)
    raise AssertionError("unreachable")
