"""The one rule each for the user-supplied values every feature shares: tags, aliases, JSON maps.

Names themselves are `graph.core.names`; paths are `graph.core.refs`. Each check refuses what
breaks its rule, never rewrites it, and runs before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from graph.core.errors import InvalidInput, InvalidName, MetadataTooLarge
from graph.core.names import validate_name
from graph.core.refs import LATEST, is_digest, looks_like_index

MAX_TAGS = 64
MAX_TAG_LENGTH = 64


def validate_tags(tags: Iterable[str] | None, *, field: str = "tags") -> list[str]:
    """Tags of artifacts, versions, collections and runs: the given ones, duplicates dropped
    (first one kept, in the order given).

    One rule for every feature, the strictest of those they had: at most 64 tags (counted as
    given, before duplicates are dropped; INVALID_INPUT beyond), each a name
    (`graph.core.names`) of at most 64 characters (INVALID_NAME otherwise).
    """
    given = list(tags or ())
    if len(given) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field=field)
    seen: dict[str, None] = {}
    for tag in given:
        validate_name(tag, field=field)
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidName(f"tags are at most {MAX_TAG_LENGTH} characters", field=field)
        seen[tag] = None
    return list(seen)


def validate_alias(alias: str, *, field: str = "alias") -> str:
    """A name a user may give an alias, of an artifact or in a registry collection.

    A valid name that cannot be read as a selector of another kind: not `vN` nor anything like
    it (`v01`, `v-1`), not a sha256 digest (INVALID_NAME). `latest` passes: it is a valid alias
    name, and each feature says itself why it cannot be set by hand.
    """
    validate_name(alias, field=field)
    if looks_like_index(alias) or is_digest(alias):
        raise InvalidName(f"Alias {alias!r} would read as a version index or digest", field=field)
    return alias


def alias_key(alias: str) -> str:
    """The form aliases are compared in when deciding protection: case-folded, so `PROD` is
    protected wherever `prod` is, and no alias passes for a protected one by case alone."""
    return alias.casefold()


def is_latest(alias: str) -> bool:
    """Whether `alias` is `latest` in any case (`LATEST`, `Latest`): each feature refuses these
    as it refuses `latest` itself, which the server keeps on the newest version."""
    return alias_key(alias) == LATEST


def encode_json_object(
    value: Any, *, field: str, max_bytes: int, max_keys: int | None = None
) -> str:
    """A JSON object (version metadata, run config or summary) as the compact string stored.

    INVALID_INPUT for anything that is not a finite JSON object; METADATA_TOO_LARGE for more than
    `max_keys` top-level keys or more than `max_bytes` bytes encoded. Keys are sorted, so equal
    maps are stored equally.
    """
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field=field)
    value = cast(dict[str, Any], value)
    if max_keys is not None and len(value) > max_keys:
        raise MetadataTooLarge(
            f"{field} has {len(value)} keys; at most {max_keys} are allowed", field=field
        )
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        raise InvalidInput(
            f"{field} must be finite JSON (no NaN or Infinity)", field=field
        ) from None
    if len(text.encode("utf-8")) > max_bytes:
        raise MetadataTooLarge(f"{field} is larger than {max_bytes} bytes as JSON", field=field)
    return text
