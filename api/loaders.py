"""DataLoaders built per request, so every relation field is batched and de-duplicated.

A feature defines a batch function `async def load_x(context, keys) -> list[value]` (results in
key order) and reads through `info.context.loaders.get(load_x).load(key)`. The first use in a
request creates the loader; nothing is cached across requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from api.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BatchFn = Callable[["Context", list[K]], Awaitable[list[V]]]


class Loaders:
    """The request's DataLoaders, keyed by their batch function."""

    def __init__(self, context: Context) -> None:
        self._context = context
        self._loaders: dict[Any, DataLoader[Any, Any]] = {}

    def get(self, batch: BatchFn[K, V]) -> DataLoader[K, V]:
        loader = self._loaders.get(batch)
        if loader is None:
            loader = DataLoader(load_fn=partial(batch, self._context))
            self._loaders[batch] = loader
        return loader
