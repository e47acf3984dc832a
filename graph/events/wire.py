"""The JSON an event travels as: a webhook delivery's body and the SDK's event dicts.

One shape for every consumer, so a receiver can switch from polling to webhooks without
rewriting its parser. Object ids are the GraphQL global ids (`node(id:)` takes them).
"""

from __future__ import annotations

from typing import Any

from graph.core.events import global_id
from graph.events.log import EventRecord

__all__ = ["event_body", "global_id"]


def event_body(event: EventRecord) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type.value,
        "cursor": str(event.seq),
        "time": event.at.isoformat().replace("+00:00", "Z"),
        "organization": event.org,
        "actor": event.actor,
        "object": {
            "type": event.object_kind,
            "id": global_id(event.object_kind, event.object_id),
            "path": event.path,
        },
        "scope": {
            "project": event.project,
            "artifact": event.artifact,
            "registry": event.registry,
            "collection": event.collection,
            "alias": event.alias,
        },
        "payload": event.payload,
    }
