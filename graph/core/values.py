"""Small conversions shared by the query modules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def new_id() -> str:
    """A random, unguessable id for a new node."""
    return uuid.uuid4().hex


def now() -> datetime:
    return datetime.now(UTC)


def native_datetime(value: Any) -> datetime | None:
    """Neo4j returns its own DateTime type; callers get a timezone-aware `datetime`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    native = value.to_native()
    assert isinstance(native, datetime)
    # The driver's natives carry pytz's UTC; sent back as parameters those become zoned
    # `[UTC]` values that never compare equal or ordered with stored offset times.
    return native.astimezone(UTC)
