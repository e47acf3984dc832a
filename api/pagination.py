"""Relay-style connections (`edges`, `pageInfo`, `totalCount`) paged in the database.

Cursors are opaque (base64 of an offset); clients pass them back as `after`. Page size is bounded
by `Settings.max_page_size`; asking for more is an error, not a silent truncation.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from graph.core.errors import InvalidInput

T = TypeVar("T")
S = TypeVar("S")

_CURSOR_PREFIX = "offset:"


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type(description="A page of a list that can grow, with the size of the whole list.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


@dataclass(frozen=True)
class Page:
    """Where a page starts and how many items it holds, for SKIP/LIMIT in Cypher."""

    offset: int
    limit: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_CURSOR_PREFIX):
            raise ValueError(cursor)
        offset = int(raw[len(_CURSOR_PREFIX) :])
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("Invalid cursor", field="after") from None
    if offset < 0:
        raise InvalidInput("Invalid cursor", field="after")
    return offset


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
