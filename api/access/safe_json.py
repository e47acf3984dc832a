"""Request bodies that are not sane JSON get a 400, never a 500.

Strawberry answers 400 for syntax errors but lets invalid UTF-8 and deeply nested arrays (a
`RecursionError` in the parser) through as server errors. Nesting is also bounded well below the
interpreter's recursion limit, so no later recursive walk over variables can hit it.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException

MAX_JSON_DEPTH = 64


def nesting_depth(value: Any, limit: int) -> int:
    """How deep lists and objects nest in `value`, counting at most to `limit + 1` (iterative)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class SafeJsonParsing:
    """Mixin for the GraphQL view, placed before Strawberry's view class in the bases."""

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as error:  # bad syntax, bad UTF-8, absurd nesting
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise HTTPException(400, f"Request JSON nests deeper than {MAX_JSON_DEPTH} levels")
        return value
