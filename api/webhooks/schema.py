"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

from api.webhooks.mutations import WebhookMutation
from api.webhooks.queries import WebhookQuery
from api.webhooks.types import Webhook, WebhookDelivery

QUERIES: list[type] = [WebhookQuery]
MUTATIONS: list[type] = [WebhookMutation]
TYPES: list[type] = [Webhook, WebhookDelivery]
