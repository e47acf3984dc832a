"""Validation of the names users give to organisations, projects, artifacts, registries, aliases.

Names become parts of paths such as `org/project/name:alias`, so they are restricted to letters,
digits and `_ - .`, 1 to 128 characters, and may not be `.` or `..`. Anything else is refused,
never silently rewritten.
"""

from __future__ import annotations

import re

from graph.core.errors import InvalidName

NAME_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
MAX_NAME_LENGTH = 128


def validate_name(value: str, *, field: str = "name") -> str:
    """Return `value` unchanged when it is a valid name, else raise `InvalidName`."""
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value) or value in {".", ".."}:
        shown = value if isinstance(value, str) and len(value) <= 64 else "the value"
        raise InvalidName(
            f"Invalid {field} {shown!r}: use 1-{MAX_NAME_LENGTH} letters, digits, '_', '-' or '.'",
            field=field,
        )
    return value
