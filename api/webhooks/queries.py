"""Reading webhooks: an organisation's list (its admins only); one by id through `node(id:)`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.pagination import After, Connection, First, connection, page_of
from api.webhooks.types import Webhook
from graph.events import webhooks


@strawberry.type(description="Webhook reads.")
class WebhookQuery:
    @strawberry.field(
        description="The organisation's webhooks, oldest first (its admins only: FORBIDDEN "
        "otherwise)."
    )
    async def webhooks(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        first: First = None,
        after: After = None,
    ) -> Connection[Webhook]:
        await info.context.authorize(Action.ADMIN, org=organization)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await webhooks.list_webhooks(
            info.context.graph, organization, offset=page.offset, limit=page.limit
        )
        return connection(records, total, page, Webhook.from_record)
