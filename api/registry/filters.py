"""The collection search input: typed predicates, compiled by `graph.registry.search_filters` into a
fixed, parameterised Cypher WHERE (never a query string from the client).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph.core.errors import InvalidInput
from graph.registry import search_filters


@strawberry.input(description="Text predicates; all given must hold.")
class StringFilter:
    eq: str | None = None
    prefix: str | None = None
    contains: str | None = None
    ignore_case: bool = strawberry.field(
        default=False, description="Compare lower-cased text (slower: no index)."
    )

    def to_graph(self) -> search_filters.TextMatch:
        return search_filters.TextMatch(
            eq=self.eq, prefix=self.prefix, contains=self.contains, ignore_case=self.ignore_case
        )


@strawberry.input(description="Collection search: every predicate given must hold (AND).")
class CollectionFilter:
    name: StringFilter | None = None
    description: StringFilter | None = None
    type: str | None = strawberry.field(default=None, description="Exactly this artifact type.")
    types: list[str] | None = strawberry.field(default=None, description="Any of these types.")
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


@strawberry.enum(description="Order of collection search results.")
class CollectionOrder(Enum):
    NAME = "name"
    NEWEST = "newest"

    def to_graph(self) -> search_filters.CollectionSort:
        return search_filters.CollectionSort(self.value)
