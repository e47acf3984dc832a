"""Request bodies that are not sane JSON get a 400, never a 500.

Strawberry answers 400 for syntax errors but lets invalid UTF-8 and deeply nested arrays (a
`RecursionError` in the parser) through as server errors. Nesting is also bounded well below the
interpreter's recursion limit, so no later recursive walk over variables can hit it.

A body must be a JSON object (or a list, which Strawberry refuses as a batch): a bare `1`, `true`,
`"x"` or `null` reached Strawberry's `.get` as a server error. No string may hold a lone UTF-16
surrogate (`"\\ud800"` is valid JSON but not Unicode, and Python's decoder lets even raw surrogate
bytes through): it cannot be encoded as UTF-8, so the Neo4j driver, a log line or the error that
echoes it would fail on it later, anywhere. Refused here, once, so every string of a request is
valid text: variables, operation name, extensions and the literals of the document.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cross_web import HTTPException

MAX_JSON_DEPTH = 64

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string in a JSON-like value, object keys included, holds a UTF-16
    surrogate (a decoded str holds one only when it was not part of a pair; iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


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


def unsafe_json(value: Any) -> str | None:
    """What makes a parsed request body unsafe to pass on (nesting beyond `MAX_JSON_DEPTH`, a
    lone surrogate), as the end of a sentence; None when it is safe. Every JSON endpoint asks."""
    if nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return f"nests deeper than {MAX_JSON_DEPTH} levels"
    if has_lone_surrogate(value):
        return "holds a lone UTF-16 surrogate (not Unicode)"
    return None


class SafeJsonParsing:
    """Mixin for the GraphQL view, placed before Strawberry's view class in the bases."""

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as error:  # bad syntax, bad UTF-8, absurd nesting
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        # A POST body arrives as bytes; str values are query parameters of a GET (`variables`,
        # `extensions`), whose type Strawberry checks itself and where `null` is allowed.
        if isinstance(data, bytes) and not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        problem = unsafe_json(value)
        if problem is not None:
            raise HTTPException(400, f"Request JSON {problem}")
        return value
