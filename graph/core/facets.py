"""OpenLineage facets kept on runs, artifacts and versions, merged so the order events arrive in
never matters.

A stored set of facets is `{"facets": {name: value}, "times": {name: eventTime}}`. Merging
another event's facets keeps, per facet name, the value of the event with the latest time (ties
broken by the value's canonical JSON), so the same events merged in any order, any number of
times, give the same result.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces (digests and tie-breaks use it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def merge_facets(
    stored: dict[str, Any] | None, facets: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """`stored` with `facets` seen at `at` merged in (see the module docstring); a new dict."""
    current = cast(dict[str, Any], (stored or {}).get("facets") or {})
    times = cast(dict[str, str], (stored or {}).get("times") or {})
    merged, merged_times = dict(current), dict(times)
    stamp = at.isoformat()
    for name, value in facets.items():
        if name in merged:
            mine = (datetime.fromisoformat(merged_times[name]), canonical_json(merged[name]))
            if (at, canonical_json(value)) <= mine:
                continue
        merged[name] = value
        merged_times[name] = stamp
    return {"facets": merged, "times": merged_times}


def decode_facets(text: str | None) -> dict[str, Any] | None:
    """A stored JSON object (None when absent or not an object)."""
    if not text:
        return None
    value = json.loads(text)
    return cast(dict[str, Any], value) if isinstance(value, dict) else None
