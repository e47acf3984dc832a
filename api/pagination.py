"""Relay-style connections (`edges`, `pageInfo`, `totalCount`) paged in the database.

Cursors are opaque (base64 of an offset); clients pass them back as `after`. Page size is bounded
by `Settings.max_page_size`; asking for more is an error, not a silent truncation.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

import strawberry

from graph.core.errors import InvalidInput

T = TypeVar("T")
S = TypeVar("S")

_CURSOR_PREFIX = "offset:"
_CURSOR = re.compile(r"offset:(0|[1-9][0-9]{0,15})")
MAX_OFFSET = 2**53 - 1
"""Largest offset a cursor may carry: beyond any list, and exact as a JSON number anywhere."""

# The paging arguments every connection field takes; their bounds come from Settings
# (default_page_size, max_page_size), so the text names the setting and its default.
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size: how many items to return (0 allowed). Null means the server's "
        "default page size (20 unless configured); more than the maximum "
        "(LINEAGE_MAX_PAGE_SIZE, 100 unless configured) is INVALID_INPUT."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor (an edge's `cursor` or "
        "`pageInfo.endCursor` of the previous page); null starts at the first item. "
        "A malformed cursor is INVALID_INPUT."
    ),
]


@strawberry.type(description="Where a page lies in the whole list, and how to ask for the next.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when items follow this page: pass `endCursor` as `after` to get them."
    )
    has_previous_page: bool = strawberry.field(
        description="True when this page does not start at the first item."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first item of this page; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item of this page, the next page's `after`; "
        "null when the page is empty."
    )


@strawberry.type(description="One item of a page and its position in the list.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(
        description="Opaque position of this item; pass it as `after` to continue after it. "
        "Valid for the same list only, and may shift when items are added or removed."
    )


@strawberry.type(description="A page of a list that can grow, with the size of the whole list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page, in the list's order; at most `first` of them."
    )
    page_info: PageInfo = strawberry.field(description="Where this page lies in the list.")
    total_count: int = strawberry.field(
        description="How many items the whole list holds (every page), when this page was read."
    )


@dataclass(frozen=True)
class Page:
    """Where a page starts and how many items it holds, for SKIP/LIMIT in Cypher."""

    offset: int
    limit: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; `InvalidInput` for anything `encode_cursor` cannot have
    made, including offsets beyond `MAX_OFFSET` (they would overflow Neo4j's 64-bit SKIP)."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeError):
        raise InvalidInput("Invalid cursor", field="after") from None
    found = _CURSOR.fullmatch(raw)
    if found is None or int(found[1]) > MAX_OFFSET:
        raise InvalidInput("Invalid cursor", field="after")
    return int(found[1])


def page_of(first: int | None, after: str | None, *, default: int, maximum: int) -> Page:
    """Validate `first`/`after` into a page; `first` must be within 0..maximum."""
    size = default if first is None else first
    if size < 0 or size > maximum:
        raise InvalidInput(f"first must be between 0 and {maximum}", field="first")
    offset = 0 if after is None else decode_cursor(after) + 1
    return Page(offset=offset, limit=size)


def connection(
    items: Sequence[S], total: int, page: Page, convert: Callable[[S], T]
) -> Connection[T]:
    """Wrap one page of database rows (already skipped and limited) as a connection."""
    edges = [
        Edge(node=convert(item), cursor=encode_cursor(page.offset + i))
        for i, item in enumerate(items)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.offset + len(edges) < total,
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
