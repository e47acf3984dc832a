"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

from api.access.mutations import AccessMutation
from api.access.queries import AccessQuery
from api.access.types import ApiKey, User

QUERIES: list[type] = [AccessQuery]
MUTATIONS: list[type] = [AccessMutation]
TYPES: list[type] = [User, ApiKey]
