"""The `asOf:` argument every history-aware field takes, and its one check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph.core.errors import InvalidInput
from graph.core.values import now

AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        name="asOf",
        description="Answer as of this moment (UTC; a time zone is required): aliases resolve "
        "through their history, what was created later is absent, and versions deleted or "
        "unlinked since are present and marked so. Null: now. A moment in the future is "
        "INVALID_INPUT.",
    ),
]


def checked_as_of(as_of: datetime | None) -> datetime | None:
    """`as_of` if it is usable: aware and not in the future; INVALID_INPUT otherwise."""
    if as_of is None:
        return None
    if as_of.tzinfo is None:
        raise InvalidInput("asOf needs a time zone (e.g. `Z`)", field="asOf")
    if as_of > now():
        raise InvalidInput("asOf is in the future", field="asOf")
    return as_of
