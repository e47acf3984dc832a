"""The one async Neo4j driver of a process, and the managed-transaction helpers everyone uses.

Every failure to reach the server leaves here as `Unavailable` (code UNAVAILABLE), never as a
driver exception, so the API can answer 503 instead of a traceback. Once a call found the server
unreachable, later managed transactions try only briefly instead of the driver's 30 s of retries,
so an outage is answered at once; the first call that succeeds again ends that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar

from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Record,
)
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.core.audit import with_pending_audit
from graph.core.errors import Unavailable
from graph.core.events import with_pending_events

P = ParamSpec("P")
T = TypeVar("T")

TxWork = Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]

READ_ATTEMPTS = 3
RETRY_SECONDS_WHILE_DOWN = 0.5
"""How long a managed transaction retries while the server is known to be unreachable (one retry,
after about a second), instead of the driver's default 30 s."""

UNREACHABLE = "The graph database is unavailable; retry later"
CONTENDED = "The graph database gave up on conflicting concurrent writes; retry later"
GAVE_UP_ON = frozenset(
    {
        "Neo.TransientError.Transaction.DeadlockDetected",
        "Neo.TransientError.Transaction.LockAcquisitionTimeout",
    }
)
"""Transient errors the driver retries and may give up on under contention (more so right after
an outage, when it retries for RETRY_SECONDS_WHILE_DOWN only): the request may be sent again."""
OUTCOME_UNKNOWN = (
    "The connection to the graph database was lost while committing, so the change may or may "
    "not have been stored; read it back before retrying"
)


def unavailable(error: Exception) -> Unavailable | None:
    """The `Unavailable` a driver error stands for, or None for an error of the statement itself."""
    if isinstance(error, IncompleteCommit):
        return Unavailable(OUTCOME_UNKNOWN)
    if isinstance(error, TransientError) and error.code in GAVE_UP_ON:
        return Unavailable(CONTENDED)
    if isinstance(
        error,
        ServiceUnavailable
        | SessionExpired
        | ConnectionAcquisitionTimeoutError
        | DatabaseUnavailable,
    ):
        return Unavailable(UNREACHABLE)
    return None


@dataclass
class Reachability:
    """Whether the last call found the server unreachable; shared by every user of one driver."""

    down: bool = False


@dataclass(frozen=True)
class Graph:
    """A driver plus the database it talks to.

    `read` and `write` run managed transactions: the driver retries them on transient errors
    (deadlocks, leader changes), so the work function must be idempotent and return plain data
    it consumed inside the transaction.
    """

    driver: AsyncDriver
    database: str = "neo4j"
    reachability: Reachability = field(default_factory=Reachability, compare=False, repr=False)

    @contextlib.asynccontextmanager
    async def _reaching(self) -> AsyncGenerator[None]:
        """Turn failures to reach the server into `Unavailable`, and remember them."""
        try:
            yield
        except (Neo4jError, DriverError) as error:
            failure = unavailable(error)
            if failure is None:
                self.reachability.down = False  # the server answered, with an error
                raise
            if isinstance(error, TransientError):  # the server answered: contended, not down
                self.reachability.down = False
            elif not isinstance(error, ConnectionAcquisitionTimeoutError):  # busy, not down
                self.reachability.down = True
            raise failure from error
        self.reachability.down = False

    def _session_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"database": self.database}
        if self.reachability.down:
            config["max_transaction_retry_time"] = RETRY_SECONDS_WHILE_DOWN
        return config

    async def read(self, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with (
            self._reaching(),
            self.driver.session(**self._session_config()) as session,  # pyright: ignore[reportUnknownMemberType]  # driver types **config loosely
        ):
            return await session.execute_read(work, *args, **kwargs)

    async def write(self, work: TxWork[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with (
            self._reaching(),
            self.driver.session(**self._session_config()) as session,  # pyright: ignore[reportUnknownMemberType]  # driver types **config loosely
        ):
            return await session.execute_write(
                with_pending_events(with_pending_audit(work)), *args, **kwargs
            )

    async def read_record(self, query: LiteralString, /, **params: Any) -> Record | None:
        """The first record of one read-only statement, or None.

        For the per-request hot path (key, access and registry lookups, searches, lineage node
        details): an auto-commit transaction is one round trip where a managed one is two (BEGIN
        rides along with RUN, COMMIT does not). One statement needs no shared snapshot;
        retryable failures are retried like managed transactions are.
        """
        async with self._reaching():
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
        """Raise `Unavailable` unless the server answers a query on this database; one attempt,
        so a readiness probe is answered at once."""
        async with (
            self._reaching(),
            self.driver.session(  # pyright: ignore[reportUnknownMemberType]
                database=self.database, default_access_mode=READ_ACCESS
            ) as session,
        ):
            await (await session.run("RETURN 1")).consume()

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
