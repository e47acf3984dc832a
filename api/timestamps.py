"""`DateTime`: every time the API answers, in one format at one precision.

Stored times keep microseconds once read into Python, so answers carry exactly that: UTC, ISO
8601, always six fractional digits (`2025-01-01T12:00:00.000000+00:00`). Read back as input, an
answered time is the same instant, so it can be passed on as a bound (`since`, `createdAfter`)
without losing the item it came from. Inputs are parsed as before (ISO 8601).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def serialize(value: datetime) -> str:
    """UTC with microseconds, whatever the value's zone (a naive value is taken as UTC)."""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def parse(value: object) -> datetime:
    """ISO 8601 as Strawberry parses it, then the same instant in UTC.

    A time that exists in its own zone but not in UTC (`0001-01-01T00:00:00+01:00`,
    `9999-12-31T23:59:59-14:00`) cannot be compared with stored times, so it is refused here with
    a coded input error instead of failing later inside a resolver. A naive time stays naive,
    for the fields that require a timezone to refuse by name.
    """
    parse_iso = DateTimeDefinition.parse_value
    assert parse_iso is not None
    try:
        parsed = parse_iso(value)
    except (ValueError, TypeError, StrawberryInputCoercionError):  # its text names the parser
        parsed = None
    if not isinstance(parsed, datetime):
        raise StrawberryInputCoercionError(
            f"Value cannot represent a DateTime: {value!r}; send ISO 8601, e.g. "
            "2025-01-01T12:00:00Z"
        )
    try:
        return parsed if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a DateTime: {value!r} lies outside years 1-9999 in UTC"
        ) from None


DATETIME: ScalarDefinition = replace(
    DateTimeDefinition,
    description="A moment in time, ISO 8601. Answers are UTC with microseconds, always six "
    "digits: `2025-01-01T12:00:00.000000+00:00`. Inputs are ISO 8601 with a timezone where a "
    "field says so.",
    serialize=serialize,
    parse_value=parse,
)
"""Strawberry's DateTime with this serialisation (`scalar_overrides={datetime: DATETIME}`)."""
