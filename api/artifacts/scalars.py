"""`BigInt`: byte counts beyond GraphQL `Int`'s 32 bits, sent as plain JSON integers."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from graphql import GraphQLError

BigInt = NewType("BigInt", int)

MAX_BIGINT = 2**53 - 1
"""Largest magnitude: exact as a JSON number in every client (JavaScript's safe integers), and
far inside Neo4j's 64 bits, so no value reaches the database only to overflow there."""


def _parse(value: Any) -> int:
    # GraphQLError, not ValueError: graphql-core reports it as the argument's validation error,
    # where any other exception from a literal would surface as an internal error.
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"BigInt must be an integer, got {_shown(value)}")
    if not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise GraphQLError(f"BigInt must be a whole number of at most 53 bits, got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# Strawberry recognises a scalar by this attribute; attaching a ScalarDefinition to a NewType
# avoids both the deprecated class form and a schema-wide scalar_map.
BigInt._scalar_definition = strawberry.scalar(  # type: ignore[attr-defined]
    name="BigInt",
    description="A whole number of up to 53 bits (sizes in bytes), as a JSON number.",
    serialize=int,
    parse_value=_parse,
)
