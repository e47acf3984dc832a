"""Root fields this feature contributes; `api/schema.py` merges them into Query and Subscription."""

from __future__ import annotations

from api.events.fields import EventQuery, EventSubscription
from api.events.types import Event, EventPage

QUERIES: list[type] = [EventQuery]
MUTATIONS: list[type] = []
TYPES: list[type] = [Event, EventPage]
SUBSCRIPTIONS: list[type] = [EventSubscription]
