"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

QUERIES: list[type] = []
MUTATIONS: list[type] = []
TYPES: list[type] = []
