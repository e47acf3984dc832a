"""Rows a write transaction records as it goes, written in one statement when its work returns.

The event log and the audit trail are written so (`graph.core.events`, `graph.core.audit`): a
change that records several of them pays one round trip per kind, not one per row, and the
event log's sequence lock is taken only at the end. `Graph.write` wraps every write function
with both; a retried attempt starts with nothing held.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Concatenate, Generic, ParamSpec, TypeVar

from neo4j import AsyncManagedTransaction

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")


class Held(Generic[H]):
    """What one transaction holds of one kind (`H`), and how to write it at the end."""

    def __init__(
        self,
        name: str,
        empty: Callable[[], H],
        write: Callable[[AsyncManagedTransaction, H], Awaitable[None]],
    ) -> None:
        self._current: ContextVar[tuple[AsyncManagedTransaction, H] | None] = ContextVar(
            name, default=None
        )
        self._empty = empty
        self._write = write

    def of(self, tx: AsyncManagedTransaction) -> H | None:
        """The rows held for `tx`, to add to; None outside `wrap` (then write at once)."""
        current = self._current.get()
        return current[1] if current is not None and current[0] is tx else None

    def wrap(
        self, work: Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]
    ) -> Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]:
        """`work` with what it holds written after it returns, in the same transaction."""

        async def run(tx: AsyncManagedTransaction, /, *args: P.args, **kwargs: P.kwargs) -> T:
            rows = self._empty()
            token = self._current.set((tx, rows))
            try:
                result = await work(tx, *args, **kwargs)
            finally:
                self._current.reset(token)
            await self._write(tx, rows)
            return result

        return run
