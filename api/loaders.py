"""DataLoaders built per request, so every relation field is batched and de-duplicated.

A feature defines a batch function `async def load_x(context, keys) -> list[value]` (results in
key order) and reads through `info.context.loaders.get(load_x).load(key)`. The first use in a
request creates the loader; nothing is cached across requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from api.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchFn = Callable[["Context", list[K]], Awaitable[list[V]]]


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose futures survive one awaiter's cancellation.

    Every field asking for a key awaits the same future; graphql-core cancels the remaining
    fields of an object when one of them fails, and a plain `await` would cancel the shared
    future with them, so another field awaiting it would raise CancelledError (an HTTP 500).
    `load_many` goes through `load`, so it is shielded too.
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class Loaders:
    """The request's DataLoaders, keyed by their batch function."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._loaders: dict[Any, DataLoader[Any, Any]] = {}

    def get(self, batch: BatchFn[K, V]) -> DataLoader[K, V]:
        loader = self._loaders.get(batch)
        if loader is None:
            loader = SharedLoader(load_fn=partial(batch, self._context))
            self._loaders[batch] = loader
        return loader
