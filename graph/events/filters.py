"""Which events a subscriber or webhook wants: a set of types and exact matches on where the
event's object lives. Applied in Python to events read in `seq` order, so a filter never changes
what the cursor means (a subscriber's cursor still advances over events it did not want)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, cast

from graph.core.events import EventType
from graph.events.log import EventRecord


@dataclass(frozen=True)
class EventFilter:
    """Every given field must equal the event's; an event without that field does not match."""

    project: str | None = None
    artifact: str | None = None
    registry: str | None = None
    collection: str | None = None
    alias: str | None = None

    def matches(self, event: EventRecord) -> bool:
        return all(
            wanted is None or getattr(event, name) == wanted
            for name, wanted in asdict(self).items()
        )

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> EventFilter:
        data: Any = json.loads(text) if text else {}
        if not isinstance(data, dict):
            return cls()
        fields = cast(dict[str, Any], data)
        return cls(**{k: str(v) for k, v in fields.items() if k in cls.__dataclass_fields__ and v})


@dataclass(frozen=True)
class EventSelector:
    """Types (None: every type) and a filter."""

    types: frozenset[EventType] | None = None
    filter: EventFilter = EventFilter()

    @classmethod
    def of(cls, types: Iterable[EventType] | None, filter: EventFilter | None) -> EventSelector:
        chosen = None if types is None else frozenset(types)
        return cls(types=chosen or None, filter=filter or EventFilter())

    @property
    def type_list(self) -> list[EventType] | None:
        """The types as a list for the log query, None for every type."""
        return None if self.types is None else sorted(self.types)

    def matches(self, event: EventRecord) -> bool:
        if self.types is not None and event.type not in self.types:
            return False
        return self.filter.matches(event)
