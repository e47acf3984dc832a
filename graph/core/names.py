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
    """Return `value` unchanged when it is a valid name, else raise `InvalidName` saying which
    rule it breaks (length, characters, or `.` / `..`)."""
    if not isinstance(value, str):
        raise InvalidName(f"Invalid {field}: a name is a string", field=field)
    shown = value if len(value) <= 64 else value[:32] + "..."
    if not value or len(value) > MAX_NAME_LENGTH:
        raise InvalidName(
            f"Invalid {field} {shown!r}: {len(value)} characters, a name has 1-{MAX_NAME_LENGTH}",
            field=field,
        )
    if value in {".", ".."}:
        raise InvalidName(
            f"Invalid {field} {value!r}: '.' and '..' alone are not names (they may appear "
            "inside one)",
            field=field,
        )
    if not NAME_PATTERN.fullmatch(value):
        raise InvalidName(
            f"Invalid {field} {shown!r}: use only letters, digits, '_', '-' or '.'", field=field
        )
    return value
