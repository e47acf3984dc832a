"""The collection search language: a few typed predicates compiled into a fixed Cypher WHERE.

No user text ever becomes Cypher. Each predicate maps to one constant fragment chosen from a
closed table (field x operator x case-sensitivity); the user's values travel as parameters.
All given predicates must hold (AND). `created_after` is inclusive and `created_before`
exclusive, so adjacent windows neither overlap nor leave gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, LiteralString

from graph.errors import InvalidInput
from graph.registry_records import COLLECTION_PROJECTION

MAX_TEXT_LENGTH = 256
MAX_LIST_LENGTH = 50


class TextField(Enum):
    NAME = "name"
    DESCRIPTION = "description"


class TextOp(Enum):
    EQ = "eq"
    PREFIX = "prefix"
    CONTAINS = "contains"


class CollectionSort(Enum):
    NAME = "name"
    NEWEST = "newest"


@dataclass(frozen=True)
class TextMatch:
    """Exact, prefix and/or substring match on one text property (all given must hold)."""

    eq: str | None = None
    prefix: str | None = None
    contains: str | None = None
    ignore_case: bool = False

    def ops(self) -> list[tuple[TextOp, str]]:
        given = (
            (TextOp.EQ, self.eq),
            (TextOp.PREFIX, self.prefix),
            (TextOp.CONTAINS, self.contains),
        )
        return [(op, value) for op, value in given if value is not None]


@dataclass(frozen=True)
class CollectionFilter:
    name: TextMatch | None = None
    description: TextMatch | None = None
    types: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None


_TEXT: dict[tuple[TextField, TextOp, bool], LiteralString] = {
    (TextField.NAME, TextOp.EQ, False): "c.name = $name_eq",
    (TextField.NAME, TextOp.PREFIX, False): "c.name STARTS WITH $name_prefix",
    (TextField.NAME, TextOp.CONTAINS, False): "c.name CONTAINS $name_contains",
    (TextField.NAME, TextOp.EQ, True): "toLower(c.name) = $name_eq",
    (TextField.NAME, TextOp.PREFIX, True): "toLower(c.name) STARTS WITH $name_prefix",
    (TextField.NAME, TextOp.CONTAINS, True): "toLower(c.name) CONTAINS $name_contains",
    (TextField.DESCRIPTION, TextOp.EQ, False): "c.description = $description_eq",
    (TextField.DESCRIPTION, TextOp.PREFIX, False): "c.description STARTS WITH $description_prefix",
    (TextField.DESCRIPTION, TextOp.CONTAINS, False): "c.description CONTAINS $description_contains",
    (TextField.DESCRIPTION, TextOp.EQ, True): "toLower(c.description) = $description_eq",
    (TextField.DESCRIPTION, TextOp.PREFIX, True): (
        "toLower(c.description) STARTS WITH $description_prefix"
    ),
    (TextField.DESCRIPTION, TextOp.CONTAINS, True): (
        "toLower(c.description) CONTAINS $description_contains"
    ),
}
_TYPES: LiteralString = "c.type IN $types"
# iterating the node's own tags reads the list once (twice as fast as testing each wanted tag)
_TAGS_ANY: LiteralString = "any(tag IN c.tags WHERE tag IN $tags_any)"
_TAGS_ALL: LiteralString = "all(tag IN $tags_all WHERE tag IN c.tags)"
_CREATED_AFTER: LiteralString = "c.created_at >= $created_after"
_CREATED_BEFORE: LiteralString = "c.created_at < $created_before"

ORDER_BY: dict[CollectionSort, LiteralString] = {
    # by both keys of the (registry_id, name) index, so the page is read in index order
    CollectionSort.NAME: "ORDER BY c.registry_id, c.name",
    CollectionSort.NEWEST: "ORDER BY c.created_at DESC, c.name",
}


@dataclass
class CompiledFilter:
    """`where` is `true` or constant fragments joined by AND; `params` hold the values."""

    where: LiteralString = "true"
    params: dict[str, Any] = field(default_factory=dict)


def _text(value: str, name: str) -> str:
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"{name} is longer than {MAX_TEXT_LENGTH} characters", field=name)
    return value


def _list(values: tuple[str, ...], name: str) -> list[str]:
    if len(values) > MAX_LIST_LENGTH:
        raise InvalidInput(f"{name} holds more than {MAX_LIST_LENGTH} values", field=name)
    return [_text(v, name) for v in values]


def _aware(value: datetime) -> datetime:
    """A time without a zone is taken as UTC (Cypher never orders zoned against local times)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def compile_collection_filter(search: CollectionFilter) -> CompiledFilter:
    """Translate a filter into a WHERE over `c:Collection`; `InvalidInput` for oversize values."""
    fragments: list[LiteralString] = []
    params: dict[str, Any] = {}
    for text_field, match in (
        (TextField.NAME, search.name),
        (TextField.DESCRIPTION, search.description),
    ):
        if match is None:
            continue
        for op, value in match.ops():
            fragments.append(_TEXT[(text_field, op, match.ignore_case)])
            checked = _text(value, f"{text_field.value}.{op.value}")
            params[f"{text_field.value}_{op.value}"] = (
                checked.lower() if match.ignore_case else checked
            )
    if search.types:
        fragments.append(_TYPES)
        params["types"] = _list(search.types, "type")
    if search.tags_any:
        fragments.append(_TAGS_ANY)
        params["tags_any"] = _list(search.tags_any, "tagsAny")
    if search.tags_all:
        fragments.append(_TAGS_ALL)
        params["tags_all"] = _list(search.tags_all, "tagsAll")
    if search.created_after is not None:
        fragments.append(_CREATED_AFTER)
        params["created_after"] = _aware(search.created_after)
    if search.created_before is not None:
        fragments.append(_CREATED_BEFORE)
        params["created_before"] = _aware(search.created_before)
    if not fragments:
        return CompiledFilter()
    return CompiledFilter(where=" AND ".join(fragments), params=params)


@dataclass(frozen=True)
class SearchQuery:
    """One query answering a search: `total` (every match) and `page` (the projected collections
    from `$offset`, at most `$limit`), in one snapshot and one round trip. Takes `$registry_id`,
    `$offset`, `$limit` and `params`."""

    cypher: LiteralString
    params: dict[str, Any]


# The (registry_id, name) uniqueness index covers every registry's collections in name order;
# the hint keeps the planner on it even when one registry holds most collections.
_SEARCH_MATCH: LiteralString = (
    "MATCH (c:Collection) USING INDEX c:Collection(registry_id, name)\n"
    "WHERE c.registry_id = $registry_id AND c.name IS NOT NULL AND "
)

# Counting and paging in one pass over the matches: collecting node references is cheap, and it
# saves the second scan (and round trip) a separate count query costs.
_PAGE_OF_MATCHES: LiteralString = (
    " WITH collect(c) AS matches\n"
    "RETURN size(matches) AS total, [c IN matches[$offset..$offset + $limit] | "
    + COLLECTION_PROJECTION
    + "] AS page"
)


def collection_search_query(search: CollectionFilter, sort: CollectionSort) -> SearchQuery:
    """The Cypher of a search: constant text from closed tables, the user's values as params."""
    compiled = compile_collection_filter(search)
    return SearchQuery(
        cypher=_SEARCH_MATCH
        + "("
        + compiled.where
        + ")\nWITH c "
        + ORDER_BY[sort]
        + _PAGE_OF_MATCHES,
        params=compiled.params,
    )
