"""GraphQL enums with a description for every value, over plain Python enums.

`strawberry.enum_value` describes a value but makes `member.value` an `EnumValueDefinition` to
the type checker, and `graph` may not import Strawberry at all. So enums that `graph` defines, and
API enums whose `.value` is passed on as a `str`, stay plain and are described here instead; an
enum with a value left undescribed is refused at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

E = TypeVar("E", bound=type[Enum])


def described_enum(cls: E, *, name: str, description: str, values: Mapping[str, str]) -> E:
    """`cls` as the GraphQL enum `name`, each value described by `values[member name]`.

    Raises ValueError when `values` misses a member or names one `cls` does not have, so a
    value added in `graph` cannot reach the schema without a description.
    """
    members = {member.name for member in cls}
    if members != set(values):
        raise ValueError(f"{name}: describe exactly {sorted(members)}; got {sorted(values)}")
    enum = strawberry.enum(cls, name=name, description=description)
    definition: StrawberryEnumDefinition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[value.name]
    return enum
