"""Validation of the user-supplied fields of artifacts and versions, before anything is written."""

from __future__ import annotations

import json
from typing import Any

from graph.artifacts.errors import MetadataTooLarge
from graph.core.errors import InvalidInput
from graph.core.names import validate_name

MAX_METADATA_KEYS = 100
MAX_METADATA_BYTES = 64 * 1024
MAX_DESCRIPTION_LENGTH = 16 * 1024
MAX_TAGS = 64
MAX_TTL_SECONDS = 100 * 365 * 24 * 3600


def validate_type(value: str) -> str:
    """An artifact type such as `dataset` or `model`: any valid name (INVALID_NAME otherwise)."""
    return validate_name(value, field="type")


def validate_description(value: str | None) -> str | None:
    if value is not None and len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description longer than {MAX_DESCRIPTION_LENGTH} characters", field="description"
        )
    return value


def validate_tags(tags: list[str] | None) -> list[str]:
    """Distinct valid names, at most 64, in the order given."""
    if not tags:
        return []
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field="tags")
    seen: dict[str, None] = {}
    for tag in tags:
        seen[validate_name(tag, field="tags")] = None
    return list(seen)


def encode_metadata(metadata: Any) -> str:
    """The metadata map as compact JSON (keys sorted).

    A JSON object with at most 100 top-level keys and 64 KiB encoded; METADATA_TOO_LARGE beyond
    either bound, INVALID_INPUT for anything that is not a finite JSON object.
    """
    if metadata is None:
        return "{}"
    if not isinstance(metadata, dict):
        raise InvalidInput("metadata must be a JSON object", field="metadata")
    if len(metadata) > MAX_METADATA_KEYS:
        raise MetadataTooLarge(
            f"metadata has {len(metadata)} keys; at most {MAX_METADATA_KEYS} are allowed",
            field="metadata",
        )
    try:
        text = json.dumps(metadata, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        raise InvalidInput("metadata must be finite JSON", field="metadata") from None
    if len(text.encode("utf-8")) > MAX_METADATA_BYTES:
        raise MetadataTooLarge(
            f"metadata is larger than {MAX_METADATA_BYTES} bytes as JSON", field="metadata"
        )
    return text


def validate_ttl(ttl_seconds: int | None, *, field: str = "ttlSeconds") -> int | None:
    """None (inherit), 0 (never expire) or a positive number of seconds up to 100 years."""
    if ttl_seconds is None:
        return None
    if not 0 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise InvalidInput(
            f"{field} must be between 0 (never) and {MAX_TTL_SECONDS} seconds", field=field
        )
    return ttl_seconds
