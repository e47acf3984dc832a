"""Resolving `node(id:)` lookups: one batched load, then the caller's right to read each."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.loaders import BatchFn
from graph.core.errors import InvalidInput, NotFound

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
T = TypeVar("T")

Scope = tuple[str, str | None]
"""(organisation name, registry name or None): what `Context.authorize` checks."""


async def authorized_nodes(
    info: Info[Context, None],
    batch: BatchFn[K, R | None],
    node_ids: Iterable[K],
    convert: Callable[[R], T],
    scope: Callable[[R], Scope],
) -> list[T | None]:
    """The nodes for `node_ids` in order, None where absent; raises when the caller may not
    read one that exists, so a global id never reveals another team's object. An object of a
    registry hidden from the caller (RESTRICTED, no role) is None, as if absent: inside their
    own organisation a hidden registry is one that does not exist."""
    records = await info.context.loaders.get(batch).load_many(list(node_ids))
    result: list[T | None] = []
    for record in records:
        if record is None:
            result.append(None)
            continue
        org, registry = scope(record)
        try:
            await info.context.authorize(Action.READ, org=org, registry=registry)
        except NotFound:
            result.append(None)
            continue
        result.append(convert(record))
    return result


class ObjectIdsOnly(FieldExtension):
    """`node(id:)` answers INVALID_INPUT for a well-formed global id whose type is not an
    object type (`NoPe:x`, `PageInfo:x`, `Query:x`), and null as before for an object type's id
    that names nothing. Strawberry raises a bare `GlobalIDValueError` for the former, which
    would be masked as an internal error."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except GlobalIDValueError:
            raise _not_an_object_id() from None

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            result = next_(source, info, **kwargs)
            return await result if inspect.isawaitable(result) else result
        except GlobalIDValueError:
            raise _not_an_object_id() from None


def _not_an_object_id() -> InvalidInput:
    return InvalidInput("Not the global id of an object", field="id")
