"""Validation of the user-supplied fields of artifacts and versions, before anything is written.

Tags and aliases follow the rules every feature shares (`graph.core.validation`).
"""

from __future__ import annotations

from typing import Any

from graph.core.errors import InvalidInput
from graph.core.names import validate_name
from graph.core.validation import encode_json_object

MAX_METADATA_KEYS = 100
MAX_METADATA_BYTES = 64 * 1024
MAX_DESCRIPTION_LENGTH = 16 * 1024
MAX_TTL_SECONDS = 2**31 - 1  # about 68 years: the most a GraphQL Int (32-bit) can carry


def validate_type(value: str) -> str:
    """An artifact type such as `dataset` or `model`: any valid name (INVALID_NAME otherwise)."""
    return validate_name(value, field="type")


def validate_description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value


def encode_metadata(metadata: Any) -> str:
    """The metadata map as compact JSON (keys sorted).

    A JSON object with at most 100 top-level keys and 64 KiB encoded; METADATA_TOO_LARGE beyond
    either bound, INVALID_INPUT for anything that is not a finite JSON object.
    """
    if metadata is None:
        return "{}"
    return encode_json_object(
        metadata, field="metadata", max_bytes=MAX_METADATA_BYTES, max_keys=MAX_METADATA_KEYS
    )


def validate_ttl(ttl_seconds: int | None, *, field: str = "ttlSeconds") -> int | None:
    """None (inherit), 0 (never expire) or a positive number of seconds up to about 68 years
    (2**31 - 1: what a GraphQL Int carries, so the limit named in the refusal can be sent)."""
    if ttl_seconds is None:
        return None
    if not 0 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise InvalidInput(
            f"{field} must be between 0 (never) and {MAX_TTL_SECONDS} seconds", field=field
        )
    return ttl_seconds
