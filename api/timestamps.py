"""`DateTime`: every time the API answers, in one format at one precision.

Stored times keep microseconds once read into Python, so answers carry exactly that: UTC, ISO
8601, always six fractional digits (`2025-01-01T12:00:00.000000+00:00`). Read back as input, an
answered time is the same instant, so it can be passed on as a bound (`since`, `createdAfter`)
without losing the item it came from. Inputs are parsed as before (ISO 8601).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def serialize(value: datetime) -> str:
    """UTC with microseconds, whatever the value's zone (a naive value is taken as UTC)."""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


DATETIME: ScalarDefinition = replace(
    DateTimeDefinition,
    description="A moment in time, ISO 8601. Answers are UTC with microseconds, always six "
    "digits: `2025-01-01T12:00:00.000000+00:00`. Inputs are ISO 8601 with a timezone where a "
    "field says so.",
    serialize=serialize,
)
"""Strawberry's DateTime with this serialisation (`scalar_overrides={datetime: DATETIME}`)."""
