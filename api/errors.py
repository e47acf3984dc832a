"""Expected failures as typed schema values; everything else logged and masked.

Mutations return a payload whose `errors` list carries `UserError`s with a stable `code`.
Queries that fail in known ways raise a GraphQL error whose `extensions.code` is the same code.
Unknown exceptions are logged with their traceback and reach the client as "Internal error".
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator
from enum import Enum
from typing import ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph.core.errors import DomainError
from storage.base import BlobStoreError

log = logging.getLogger("lineage.errors")


@strawberry.enum(description="Stable machine-readable error codes; new ones may be added.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_NAME = "INVALID_NAME"
    INVALID_PATH = "INVALID_PATH"
    INVALID_DIGEST = "INVALID_DIGEST"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    METADATA_TOO_LARGE = "METADATA_TOO_LARGE"
    DIGEST_MISMATCH = "DIGEST_MISMATCH"
    SIZE_MISMATCH = "SIZE_MISMATCH"
    MISSING_BLOB = "MISSING_BLOB"
    HAS_ALIASES = "HAS_ALIASES"
    TOO_MANY_OBJECTS = "TOO_MANY_OBJECTS"
    REFERENCE_UNREACHABLE = "REFERENCE_UNREACHABLE"
    CYCLE = "CYCLE"
    TYPE_NOT_ACCEPTED = "TYPE_NOT_ACCEPTED"
    PROTECTED_ALIAS = "PROTECTED_ALIAS"
    HAS_LINKED_VERSIONS = "HAS_LINKED_VERSIONS"
    HAS_COLLECTIONS = "HAS_COLLECTIONS"
    CORE_REGISTRY = "CORE_REGISTRY"
    STORAGE_ERROR = "STORAGE_ERROR"
    INTERNAL = "INTERNAL"


@strawberry.type(description="A failure the caller can act on; `code` is stable, `message` is not.")
class UserError:
    code: ErrorCode
    message: str
    field: str | None = None


def to_user_error(error: DomainError) -> UserError:
    try:
        code = ErrorCode(error.code)
    except ValueError:
        code = ErrorCode.INVALID_INPUT
    return UserError(code=code, message=error.message, field=error.field)


P = ParamSpec("P")
R = TypeVar("R")


def mutation_errors(
    payload: Callable[..., R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Turn domain errors raised by a mutation resolver into `payload(errors=[...])`.

    Nothing is half-written: graph functions do each change in one transaction, so an error
    raised from them means that transaction rolled back.
    """

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                return payload(errors=[to_user_error(error)])

        return wrapper

    return decorate


class MaskInternalErrors(SchemaExtension):
    """Give known errors their `code`; log and hide the rest (no traceback, Cypher, paths)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._public(error) for error in result.errors]

    @staticmethod
    def _public(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is None:
            return error
        if isinstance(original, DomainError):
            return GraphQLError(
                original.message,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": original.code},
            )
        if isinstance(original, BlobStoreError):
            log.warning("blob store error", exc_info=original)
            return GraphQLError(
                "The blob store could not complete the request",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.STORAGE_ERROR.value},
            )
        if isinstance(original, GraphQLError):
            return error
        log.error("unhandled error in resolver", exc_info=original)
        return GraphQLError(
            "Internal error",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL.value},
        )
