"""`BigInt`: byte counts beyond GraphQL `Int`'s 32 bits, sent as plain JSON integers."""

from __future__ import annotations

from typing import Any, NewType

import strawberry

BigInt = NewType("BigInt", int)


def _parse(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"BigInt must be an integer, got {value!r}")
    return value


# Strawberry recognises a scalar by this attribute; attaching a ScalarDefinition to a NewType
# avoids both the deprecated class form and a schema-wide scalar_map.
BigInt._scalar_definition = strawberry.scalar(  # type: ignore[attr-defined]
    name="BigInt",
    description="A whole number of up to 53 bits (sizes in bytes), as a JSON number.",
    serialize=int,
    parse_value=_parse,
)
