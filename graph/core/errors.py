"""Domain errors raised by `graph` and translated once, at the API boundary, into typed errors.

Each carries a stable `code` (the value of the GraphQL `ErrorCode` enum of the same name) so that
clients can branch on it; the message is for humans and never contains Cypher or server paths.
Every `DomainError` subclass is defined here, once, whichever feature raises it.
"""

from __future__ import annotations


class DomainError(Exception):
    """A failure the caller can understand and act on."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class InvalidDigest(InvalidInput):
    """A digest that is not 64 lowercase hex characters of a sha256."""

    code = "INVALID_DIGEST"


class InvalidName(InvalidInput):
    """A name (organisation, project, artifact, registry, alias, tag, ...) that breaks the rule
    of `graph.core.names`."""

    code = "INVALID_NAME"


class InvalidPath(InvalidInput):
    """A version or registry path that does not parse (`graph.core.refs`), or a file path that
    escapes the artifact root or is not normalised (`graph.artifacts.manifests`)."""

    code = "INVALID_PATH"


class NotFound(DomainError):
    code = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class Conflict(DomainError):
    code = "CONFLICT"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class LimitExceeded(DomainError):
    code = "LIMIT_EXCEEDED"


class MetadataTooLarge(DomainError):
    """Version metadata or run config/summary beyond its size bounds (`graph.core.validation`)."""

    code = "METADATA_TOO_LARGE"


class ProtectedAlias(DomainError):
    """`latest` set by hand on an artifact, or a registry's protected alias changed by a
    non-admin."""

    code = "PROTECTED_ALIAS"


# Artifacts: uploads, commits and deletion.


class DigestMismatch(DomainError):
    code = "DIGEST_MISMATCH"


class SizeMismatch(DomainError):
    code = "SIZE_MISMATCH"


class MissingBlob(DomainError):
    code = "MISSING_BLOB"


class HasAliases(DomainError):
    code = "HAS_ALIASES"


class TooManyObjects(DomainError):
    code = "TOO_MANY_OBJECTS"


# Lineage.


class CycleError(DomainError):
    """A lineage edge that would close a cycle between runs and versions."""

    code = "CYCLE"


# Registry.


class TypeNotAccepted(DomainError):
    code = "TYPE_NOT_ACCEPTED"


class HasLinkedVersions(DomainError):
    code = "HAS_LINKED_VERSIONS"


class HasCollections(DomainError):
    code = "HAS_COLLECTIONS"


class CoreRegistry(DomainError):
    code = "CORE_REGISTRY"


# Faults and limits at the edge.


class Unavailable(DomainError):
    """Neo4j could not be reached (down, restarting, no connection free in time). The API answers
    HTTP 503 with `Retry-After` when nothing of the request succeeded."""

    code = "UNAVAILABLE"


class RateLimited(DomainError):
    """More requests than the caller's rate limit allows; `retry_after` is in whole seconds."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
