"""The typed failures of the artifact feature, each with the stable `ErrorCode` it maps to."""

from __future__ import annotations

from graph.core.errors import DomainError


class InvalidPath(DomainError):
    """A file path that escapes the artifact root, or an artifact path that does not parse."""

    code = "INVALID_PATH"


class DigestMismatch(DomainError):
    code = "DIGEST_MISMATCH"


class SizeMismatch(DomainError):
    code = "SIZE_MISMATCH"


class MissingBlob(DomainError):
    code = "MISSING_BLOB"


class MetadataTooLarge(DomainError):
    code = "METADATA_TOO_LARGE"


class HasAliases(DomainError):
    code = "HAS_ALIASES"


class TooManyObjects(DomainError):
    code = "TOO_MANY_OBJECTS"


class ProtectedAlias(DomainError):
    code = "PROTECTED_ALIAS"
