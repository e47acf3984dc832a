"""Expected failures as typed schema values; everything else logged and masked.

Mutations return a payload whose `errors` list carries `UserError`s with a stable `code`.
Queries that fail in known ways raise a GraphQL error whose `extensions.code` is the same code.
Unknown exceptions are logged with their traceback and reach the client as "Internal error".
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from enum import Enum
from typing import Annotated, Any, ParamSpec, TypeVar, cast

import strawberry
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError as S3ClientError
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse

from graph.core.errors import DomainError, Unavailable
from storage.base import BlobStoreError, InvalidDigest

log = logging.getLogger("lineage.errors")


@strawberry.enum(
    description="Stable machine-readable error codes, in `UserError.code` of mutation payloads and "
    "in `extensions.code` of query errors. Branch on the code, never on the message; new codes "
    "may be added, so keep a default branch."
)
class ErrorCode(Enum):
    INVALID_INPUT = strawberry.enum_value(
        "INVALID_INPUT",
        description=(
            "The input breaks a rule not covered by a more specific code (a bound, a "
            "combination of fields, a malformed cursor or JSON value); `field` names the "
            "input at fault. Fix the input; retrying unchanged fails again."
        ),
    )
    INVALID_NAME = strawberry.enum_value(
        "INVALID_NAME",
        description=(
            "A name (organisation, project, artifact, registry, collection, alias, tag, user) "
            "breaks the naming rule, or an alias would read as `vN` or a digest; `field` "
            "names it."
        ),
    )
    INVALID_PATH = strawberry.enum_value(
        "INVALID_PATH",
        description=(
            "A path does not parse (`organization/project/name[:selector]`, "
            "`org/registry-name/collection[:selector]`), or a file path inside an artifact "
            "escapes its root or is not normalised."
        ),
    )
    INVALID_DIGEST = strawberry.enum_value(
        "INVALID_DIGEST",
        description="A digest that is not a sha256 written as 64 lowercase hex characters.",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description=(
            "The named or identified object does not exist, or the caller may not see it (the "
            "two are not told apart, so existence does not leak)."
        ),
    )
    ALREADY_EXISTS = strawberry.enum_value(
        "ALREADY_EXISTS",
        description=(
            "An object with this name (or client-chosen id) exists already; pick another "
            "name, or read the existing one."
        ),
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description=(
            "The request contradicts the stored state (a run already ended in another state, "
            "a version with another producer, an organisation's last admin, a draft changed "
            "while committing). Re-read the object before deciding to retry."
        ),
    )
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED",
        description=(
            "No valid API key came with the request (missing, unknown, revoked or past its "
            "`expiresAt`), or the browser session cookie sent has ended (signed out, expired, "
            "or its key revoked); send `Authorization: Bearer <key>` or sign in again."
        ),
    )
    CSRF_REJECTED = strawberry.enum_value(
        "CSRF_REJECTED",
        description=(
            "A request authenticated by the browser session cookie lacked what only the web "
            "app's own pages send: `content-type: application/json`, the header "
            "`x-lineage-csrf: 1`, and an `Origin` that is the server's own (or none). Answered "
            "with HTTP 403 before anything runs. Scripts send `Authorization: Bearer <key>` "
            "instead and are not affected."
        ),
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN",
        description=(
            "The caller is known but their role does not allow this action on this "
            "organisation or registry."
        ),
    )
    LIMIT_EXCEEDED = strawberry.enum_value(
        "LIMIT_EXCEEDED",
        description=(
            "A request-size or time bound was passed (entries per batch, versions or files "
            "per request, aliases per link, keys per user, a lineage time budget); `message` "
            "states the bound. Split the request or narrow it."
        ),
    )
    METADATA_TOO_LARGE = strawberry.enum_value(
        "METADATA_TOO_LARGE",
        description=(
            "JSON beyond its bounds: version metadata over 100 top-level keys or 64 KiB, a "
            "run's config or summary over 256 KiB (sizes as compact UTF-8 JSON)."
        ),
    )
    DIGEST_MISMATCH = strawberry.enum_value(
        "DIGEST_MISMATCH",
        description=(
            "Uploaded bytes do not hash to the digest they were declared with, or the "
            "manifest the server built differs from `expectedDigest`. Upload the right bytes "
            "again."
        ),
    )
    SIZE_MISMATCH = strawberry.enum_value(
        "SIZE_MISMATCH",
        description=(
            "A blob's size differs from the size declared for it (in another entry of the "
            "draft or in the store)."
        ),
    )
    MISSING_BLOB = strawberry.enum_value(
        "MISSING_BLOB",
        description=(
            "The draft names a blob the store does not hold at commit; upload it (see "
            "`uploads`), then commit again."
        ),
    )
    HAS_ALIASES = strawberry.enum_value(
        "HAS_ALIASES",
        description=(
            "Deleting would drop custom aliases; remove them first or pass the input's flag "
            "that drops them (`latest` never blocks)."
        ),
    )
    TOO_MANY_OBJECTS = strawberry.enum_value(
        "TOO_MANY_OBJECTS",
        description=(
            "A version would hold more entries than a manifest allows; split the content over "
            "several artifacts."
        ),
    )
    REFERENCE_UNREACHABLE = strawberry.enum_value(
        "REFERENCE_UNREACHABLE",
        description=(
            "Raised by the Python SDK, not the server: a reference (s3://, file://, "
            "http(s)://) it had to list or hash could not be reached."
        ),
    )
    CYCLE = strawberry.enum_value(
        "CYCLE",
        description=(
            "The lineage edge would make a run (indirectly) consume its own output; the edge "
            "is not recorded."
        ),
    )
    TYPE_NOT_ACCEPTED = strawberry.enum_value(
        "TYPE_NOT_ACCEPTED",
        description="The registry or collection holds another artifact type than the version's.",
    )
    PROTECTED_ALIAS = strawberry.enum_value(
        "PROTECTED_ALIAS",
        description=(
            "The alias may not be set this way: `latest` is maintained by the server, and a "
            "registry's protected aliases need registry admin rights."
        ),
    )
    HAS_LINKED_VERSIONS = strawberry.enum_value(
        "HAS_LINKED_VERSIONS",
        description=(
            "The artifact or collection still has versions linked in a registry; unlink them "
            "first, or for a collection pass `unlinkVersions`."
        ),
    )
    HAS_COLLECTIONS = strawberry.enum_value(
        "HAS_COLLECTIONS",
        description="The registry still holds collections; delete them first.",
    )
    CORE_REGISTRY = strawberry.enum_value(
        "CORE_REGISTRY",
        description="The core registries `model` and `dataset` cannot be deleted.",
    )
    STORAGE_ERROR = strawberry.enum_value(
        "STORAGE_ERROR",
        description=(
            "The blob store failed or could not be reached; nothing was changed by this "
            "request (a draft is not committed unless its blobs were found stored). Retrying "
            "later may succeed: an HTTP 503 with `Retry-After` when nothing of the request "
            "succeeded. The SDK raises it too when an upload or download to a signed URL fails."
        ),
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE",
        description=(
            "The graph database could not be reached (down, restarting, or no connection free "
            "in time). Retry after the `Retry-After` seconds of the HTTP 503 that carries it "
            "when nothing of the request succeeded. A write cut off while committing says in "
            "its message that it may or may not have been stored: read it back first."
        ),
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description=(
            "Only in an HTTP 429 answer: more requests than the rate limit allows (per API "
            "key, or per client address for requests without a valid key). Retry after the "
            "`Retry-After` seconds; nothing of the request ran."
        ),
    )
    INTERNAL = strawberry.enum_value(
        "INTERNAL",
        description=(
            "An unexpected server failure; details are in the server log, not the response. "
            "Retrying may not help; report it."
        ),
    )


@strawberry.type(description="A failure the caller can act on; `code` is stable, `message` is not.")
class UserError:
    code: ErrorCode = strawberry.field(description="What went wrong, for programs to branch on.")
    message: str = strawberry.field(
        description="What went wrong, for people; wording may change between releases."
    )
    field: str | None = strawberry.field(
        default=None,
        description="The input field at fault (its GraphQL name, e.g. `versionId`); null when "
        "no single field is.",
    )


# The description of every payload's `errors` list: mutations change nothing when they fail.
ERRORS = (
    "Why the mutation changed nothing; empty on success. A mutation either applies whole or not "
    "at all, so a non-empty list means no part of it was stored."
)


# Codes in the enum that the server itself never raises, and why they are there.
RESERVED_CODES: dict[str, str] = {
    "REFERENCE_UNREACHABLE": (
        "raised by the Python SDK when a reference (s3://, file://, http(s)://) it must list "
        "or hash cannot be reached; listed so SDK and API errors share one vocabulary"
    ),
}


# Codes that mean "a service this API needs is down": a response with no data and only these
# errors is sent as HTTP 503 with Retry-After (`retry_later`), so clients and proxies back off.
RETRY_LATER_CODES = frozenset({"UNAVAILABLE", "STORAGE_ERROR"})
RETRY_AFTER_SECONDS = 5


def retry_later(response: Mapping[str, Any]) -> bool:
    """Whether a GraphQL response failed as a whole because a service is down: errors, each
    coded UNAVAILABLE or STORAGE_ERROR, and no field with data."""
    errors = response.get("errors") or []
    codes = {((error.get("extensions") or {}).get("code")) for error in errors}
    data = response.get("data")
    no_data = data is None or all(value is None for value in data.values())
    return bool(errors) and codes <= RETRY_LATER_CODES and no_data


def code_of(error: DomainError) -> ErrorCode:
    """The error's code as an `ErrorCode`; a code outside the enum is a server bug, so it is
    logged and reported as INTERNAL rather than passed off as the caller's bad input."""
    try:
        return ErrorCode(error.code)
    except ValueError:
        log.error("domain error with unknown code %r: %s", error.code, type(error).__qualname__)
        return ErrorCode.INTERNAL


def to_user_error(error: DomainError) -> UserError:
    return UserError(code=code_of(error), message=error.message, field=error.field)


P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# The one argument of every mutation (`input: Input[CreateRunInput]`); its fields carry the detail.
Input = Annotated[
    T,
    strawberry.argument(
        description="The mutation's arguments as one object; its type describes each field, "
        "its bounds and the errors it can cause."
    ),
]


def mutation_errors(
    payload: Callable[..., R],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Turn domain errors raised by a mutation resolver into `payload(errors=[...])`.

    Nothing is half-written: graph functions do each change in one transaction, so an error
    raised from them means that transaction rolled back. `Unavailable` is the exception: it
    stays a top-level error (HTTP 503 when nothing else succeeded), since a commit cut off by
    an outage may have been stored, which a payload's `errors` would deny.
    """

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await resolver(*args, **kwargs)
            except Unavailable:
                raise
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
                extensions={"code": code_of(original).value},
            )
        if isinstance(original, InvalidDigest):
            return GraphQLError(
                str(original),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.INVALID_DIGEST.value},
            )
        if isinstance(original, BlobStoreError | BotoCoreError | S3ClientError):
            # BotoCoreError: S3 unreachable (connection refused, timeouts) after boto's retries.
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


def coded(error: Exception) -> GraphQLError:
    """The error a stream (a subscription) ends with: coded and masked like a resolver's
    (`MaskInternalErrors` does not see errors raised while a subscription streams)."""
    return MaskInternalErrors._public(GraphQLError(str(error), original_error=error))


def with_codes(answer: GraphQLHTTPResponse) -> GraphQLHTTPResponse:
    """Give every uncoded error INVALID_INPUT.

    Errors raised by resolvers already carry a code (`MaskInternalErrors`); the ones left
    without are raised before execution (syntax, validation, variable coercion), so they are the
    request's fault, and a client can branch on `extensions.code` for every error.
    """
    for error in cast(list[dict[str, Any]], answer.get("errors") or []):
        extensions: dict[str, Any] = error.setdefault("extensions", {})
        extensions.setdefault("code", ErrorCode.INVALID_INPUT.value)
    return answer
