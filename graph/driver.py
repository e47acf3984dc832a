"""The one async Neo4j driver of a process, and the managed-transaction helpers everyone uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction

P = ParamSpec("P")
T = TypeVar("T")

TxWork = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]


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
        async with self.driver.session(database=self.database) as session:
            return await session.execute_read(work, *args, **kwargs)

    async def write(self, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(work, *args, **kwargs)

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
    driver = AsyncGraphDatabase.driver(
        uri,
        auth=auth,
        max_connection_pool_size=64,
        connection_acquisition_timeout=30.0,
        notifications_min_severity="OFF",
    )
    return Graph(driver=driver, database=database)
