"""The collection search input: typed predicates, compiled by `graph.registry.search_filters` into a
fixed, parameterised Cypher WHERE (never a query string from the client).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.enums import described_enum
from graph.core.errors import InvalidInput
from graph.registry import search_filters


@strawberry.input(
    description="Text predicates; all given must hold. Each text is at most 256 characters "
    "(INVALID_INPUT beyond)."
)
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Exactly this text.")
    prefix: str | None = strawberry.field(default=None, description="Starts with this text.")
    contains: str | None = strawberry.field(
        default=None, description="Contains this text anywhere (slower than `prefix`)."
    )
    ignore_case: bool = strawberry.field(
        default=False, description="Compare lower-cased text (slower: no index)."
    )

    def to_graph(self) -> search_filters.TextMatch:
        return search_filters.TextMatch(
            eq=self.eq, prefix=self.prefix, contains=self.contains, ignore_case=self.ignore_case
        )


@strawberry.input(
    description="Collection search: every predicate given must hold (AND). Lists hold at most "
    "50 values (INVALID_INPUT beyond)."
)
class CollectionFilter:
    name: StringFilter | None = strawberry.field(
        default=None, description="Predicates on the collection's name."
    )
    description: StringFilter | None = strawberry.field(
        default=None, description="Predicates on the collection's description."
    )
    type: str | None = strawberry.field(default=None, description="Exactly this artifact type.")
    types: list[str] | None = strawberry.field(
        default=None, description="Any of these types; INVALID_INPUT together with `type`."
    )
    tags_any: list[str] | None = strawberry.field(default=None, description="At least one tag.")
    tags_all: list[str] | None = strawberry.field(default=None, description="Every one of them.")
    created_after: datetime | None = strawberry.field(
        default=None, description="Created at or after (inclusive; no zone means UTC)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Created strictly before (no zone means UTC)."
    )

    @staticmethod
    def to_graph(value: CollectionFilter | None) -> search_filters.CollectionFilter:
        if value is None:
            return search_filters.CollectionFilter()
        if value.type is not None and value.types is not None:
            raise InvalidInput("Give `type` or `types`, not both", field="filter.types")
        types = [value.type] if value.type is not None else (value.types or [])
        return search_filters.CollectionFilter(
            name=None if value.name is None else value.name.to_graph(),
            description=None if value.description is None else value.description.to_graph(),
            types=tuple(types),
            tags_any=tuple(value.tags_any or ()),
            tags_all=tuple(value.tags_all or ()),
            created_after=value.created_after,
            created_before=value.created_before,
        )


class CollectionOrder(Enum):
    NAME = "name"
    NEWEST = "newest"

    def to_graph(self) -> search_filters.CollectionSort:
        return search_filters.CollectionSort(self.value)


described_enum(
    CollectionOrder,
    name="CollectionOrder",
    description="Order of collection search results.",
    values={
        "NAME": "By name, ascending.",
        "NEWEST": "Most recently created first; ties by name.",
    },
)
