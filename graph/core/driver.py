"""The one async Neo4j driver of a process, and the managed-transaction helpers everyone uses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Record,
)
from neo4j.exceptions import DriverError, Neo4jError

P = ParamSpec("P")
T = TypeVar("T")

TxWork = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]

READ_ATTEMPTS = 3


@dataclass(frozen=True)
class Graph:
    """A driver plus the database it talks to.

    `read` and `write` run managed transactions: the driver retries them on transient errors
    (deadlocks, leader changes), so the work function must be idempotent and return plain data
    it consumed inside the transaction.
    """

    driver: AsyncDriver
    database: str = "neo4j"

    async def read(self, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:  # pyright: ignore[reportUnknownMemberType]  # driver types **config loosely
            return await session.execute_read(work, *args, **kwargs)

    async def write(self, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:  # pyright: ignore[reportUnknownMemberType]  # driver types **config loosely
            return await session.execute_write(work, *args, **kwargs)

    async def read_record(self, query: LiteralString, /, **params: Any) -> Record | None:
        """The first record of one read-only statement, or None.

        For the per-request hot path (key, access and registry lookups, searches, lineage node
        details): an auto-commit transaction is one round trip where a managed one is two (BEGIN
        rides along with RUN, COMMIT does not). One statement needs no shared snapshot;
        retryable failures are retried like managed transactions are.
        """
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                async with self.driver.session(  # pyright: ignore[reportUnknownMemberType]
                    database=self.database, default_access_mode=READ_ACCESS
                ) as session:
                    return await (await session.run(query, params)).single()
            except (Neo4jError, DriverError) as error:
                if attempt == READ_ATTEMPTS or not error.is_retryable():
                    raise
                await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    async def read_one(self, query: LiteralString, /, **params: Any) -> dict[str, Any] | None:
        """`read_record` as a dict (a deep copy; `read_record` when values are read once)."""
        record = await self.read_record(query, **params)
        return None if record is None else record.data()

    async def ping(self) -> None:
        """Raise unless the server answers a query on this database."""
        await self.driver.execute_query("RETURN 1", database_=self.database)

    async def close(self) -> None:
        await self.driver.close()


def connect(uri: str, user: str | None, password: str | None, database: str = "neo4j") -> Graph:
    """Open the process-wide driver; credentials are optional for the local, loopback server."""
    auth = (user, password) if user and password else None
    # Server notifications (e.g. "property key does not exist" for optional properties read
    # before any node has them) are advice for query authors, not runtime events worth a log line.
    driver = AsyncGraphDatabase.driver(  # pyright: ignore[reportUnknownMemberType]
        uri,
        auth=auth,
        max_connection_pool_size=64,
        connection_acquisition_timeout=30.0,
        notifications_min_severity="OFF",
    )
    return Graph(driver=driver, database=database)
