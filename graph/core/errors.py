"""Domain errors raised by `graph` and translated once, at the API boundary, into typed errors.

Each carries a stable `code` (the value of the GraphQL `ErrorCode` enum of the same name) so that
clients can branch on it; the message is for humans and never contains Cypher or server paths.
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
