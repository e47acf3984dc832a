"""Small conversions shared by the query modules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any


def new_id() -> str:
    """A random, unguessable id for a new node."""
    return uuid.uuid4().hex


def now() -> datetime:
    return datetime.now(UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_micros(value: Any) -> datetime | None:
    """A UTC datetime from epoch microseconds, exactly (no float rounding).

    Hot read queries return times so (`t.epochSeconds * 1000000 + t.microsecond`): the driver
    turns its DateTime into a `datetime` about a hundred times slower, which shows on lineage
    pages. Microseconds are what a stored time keeps once it is a Python `datetime`, so every
    read path answers the same instant at the same precision.
    """
    if value is None:
        return None
    if isinstance(value, int):
        return EPOCH + timedelta(microseconds=value)
    return native_datetime(value)


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
