"""Root fields this feature contributes; `api/schema.py` merges them into Query and Subscription."""

from __future__ import annotations

QUERIES: list[type] = []
MUTATIONS: list[type] = []
TYPES: list[type] = []
SUBSCRIPTIONS: list[type] = []
