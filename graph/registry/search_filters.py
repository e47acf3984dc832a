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

from graph.core.errors import InvalidInput
from graph.registry.records import COLLECTION_PROJECTION

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


class SeekProperty(Enum):
    """A property a `(registry_id, <property>)` index holds next to the registry id."""

    NAME = "name"
    CREATED_AT = "created_at"
    TAGS = "tags"
    TYPE = "type"
    DESCRIPTION = "description"


@dataclass
class CompiledFilter:
    """`where` is `true` or constant fragments joined by AND; `params` hold the values;
    `reads` the properties the fragments read."""

    where: LiteralString = "true"
    params: dict[str, Any] = field(default_factory=dict)
    reads: set[SeekProperty] = field(default_factory=set)


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
    reads: set[SeekProperty] = set()
    for text_field, match in (
        (TextField.NAME, search.name),
        (TextField.DESCRIPTION, search.description),
    ):
        if match is None:
            continue
        for op, value in match.ops():
            fragments.append(_TEXT[(text_field, op, match.ignore_case)])
            reads.add(SeekProperty(text_field.value))
            checked = _text(value, f"{text_field.value}.{op.value}")
            params[f"{text_field.value}_{op.value}"] = (
                checked.lower() if match.ignore_case else checked
            )
    if search.types:
        fragments.append(_TYPES)
        reads.add(SeekProperty.TYPE)
        params["types"] = _list(search.types, "type")
    if search.tags_any:
        fragments.append(_TAGS_ANY)
        reads.add(SeekProperty.TAGS)
        params["tags_any"] = _list(search.tags_any, "tagsAny")
    if search.tags_all:
        fragments.append(_TAGS_ALL)
        reads.add(SeekProperty.TAGS)
        params["tags_all"] = _list(search.tags_all, "tagsAll")
    if search.created_after is not None:
        fragments.append(_CREATED_AFTER)
        reads.add(SeekProperty.CREATED_AT)
        params["created_after"] = _aware(search.created_after)
    if search.created_before is not None:
        fragments.append(_CREATED_BEFORE)
        reads.add(SeekProperty.CREATED_AT)
        params["created_before"] = _aware(search.created_before)
    if not fragments:
        return CompiledFilter()
    return CompiledFilter(where=" AND ".join(fragments), params=params, reads=reads)


@dataclass(frozen=True)
class SearchQuery:
    """One query answering a search: `total` (every match) and `page` (the projected collections
    from `$offset`, at most `$limit`), in one snapshot and one round trip. Takes `$registry_id`,
    `$offset`, `$limit`, `$sort_in_memory_up_to` and `params`."""

    cypher: LiteralString
    params: dict[str, Any]


# Every `(registry_id, <property>)` index (graph/core/bootstrap.py) as a hinted seek over one
# registry.
# A predicate on the seek's property is evaluated on the values the index holds, without reading
# the node; the others read the node.
_SEEK: dict[SeekProperty, LiteralString] = {
    SeekProperty.NAME: (
        "MATCH (c:Collection) USING INDEX c:Collection(registry_id, name)\n"
        "WHERE c.registry_id = $registry_id AND c.name IS NOT NULL AND "
    ),
    SeekProperty.CREATED_AT: (
        "MATCH (c:Collection) USING INDEX c:Collection(registry_id, created_at)\n"
        "WHERE c.registry_id = $registry_id AND c.created_at IS NOT NULL AND "
    ),
    SeekProperty.TAGS: (
        "MATCH (c:Collection) USING INDEX c:Collection(registry_id, tags)\n"
        "WHERE c.registry_id = $registry_id AND c.tags IS NOT NULL AND "
    ),
    SeekProperty.TYPE: (
        "MATCH (c:Collection) USING INDEX c:Collection(registry_id, type)\n"
        "WHERE c.registry_id = $registry_id AND c.type IS NOT NULL AND "
    ),
    SeekProperty.DESCRIPTION: (
        "MATCH (c:Collection) USING INDEX c:Collection(registry_id, description)\n"
        "WHERE c.registry_id = $registry_id AND c.description IS NOT NULL AND "
    ),
}

# Which index collects the matches: the first one whose property the filter reads. The name
# index seeks `eq` and `prefix`, the created_at index seeks its range (a "last week" window reads
# only that week); tags, type and description are scanned as index values. Without predicates
# the name index counts from its entries alone. A seek skips nodes lacking its property, and
# only a predicate on that property (which needs the property to hold) selects it.
_COUNT_PREFERENCE = (
    SeekProperty.NAME,
    SeekProperty.CREATED_AT,
    SeekProperty.TAGS,
    SeekProperty.TYPE,
    SeekProperty.DESCRIPTION,
)

SORT_IN_MEMORY_UP_TO = 500
"""Up to this many matches, the page is sorted from the matches the count collected (a few
hundred node reads); beyond, the page walks the index that gives the order and stops at
`$offset + $limit` matches, which is cheap exactly when matches are that dense."""

_ORDER_BY: dict[CollectionSort, LiteralString] = {
    CollectionSort.NAME: "ORDER BY c.name",
    CollectionSort.NEWEST: "ORDER BY c.created_at DESC, c.name",
}
# by every key of the index the walk reads, so the planner reads it in order
_INDEX_ORDER_BY: dict[CollectionSort, LiteralString] = {
    CollectionSort.NAME: "ORDER BY c.registry_id, c.name",
    CollectionSort.NEWEST: "ORDER BY c.registry_id DESC, c.created_at DESC, c.name",
}
_ORDERED_SEEK: dict[CollectionSort, SeekProperty] = {
    CollectionSort.NAME: SeekProperty.NAME,
    CollectionSort.NEWEST: SeekProperty.CREATED_AT,
}


def collection_search_query(search: CollectionFilter, sort: CollectionSort) -> SearchQuery:
    """The Cypher of a search: constant text from closed tables, the user's values as params.

    One statement: collect every match through the index whose values answer a predicate (the
    total), then either sort those matches (few) or walk the ordered index to the page (many).
    """
    compiled = compile_collection_filter(search)
    count_seek = next((p for p in _COUNT_PREFERENCE if p in compiled.reads), SeekProperty.NAME)
    where: LiteralString = "(" + compiled.where + ")\n"
    return SearchQuery(
        cypher="CALL () {\n"
        + _SEEK[count_seek]
        + where
        + "RETURN collect(c) AS matches\n}\n"
        + "WITH matches, size(matches) AS total\n"
        + "OPTIONAL CALL (matches, total) {\n"
        + "WITH * WHERE total <= $sort_in_memory_up_to\n"
        + "UNWIND matches AS c\n"
        + "WITH c "
        + _ORDER_BY[sort]
        + " SKIP $offset LIMIT $limit\n"
        + "RETURN c\n"
        + "UNION ALL\n"
        + "WITH * WHERE total > $sort_in_memory_up_to\n"
        # nested, so that the planner cannot start the walk before the test on `total`
        + "CALL () {\n"
        + _SEEK[_ORDERED_SEEK[sort]]
        + where
        + "WITH c "
        + _INDEX_ORDER_BY[sort]
        + " SKIP $offset LIMIT $limit\n"
        + "RETURN c\n"
        + "}\n"
        + "RETURN c\n"
        + "}\n"
        + "WITH total, c "
        + _ORDER_BY[sort]
        + "\nRETURN total, collect("
        + COLLECTION_PROJECTION
        + ") AS page",
        params=compiled.params,
    )
