"""Webhooks and their delivery log in the schema. Only organisation admins see either: every
resolver that reaches them authorises `Action.ADMIN` on the webhook's organisation. No type
has a field for the signing secret: it is answered once, by the mutation that made it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.enums import described_enum
from api.events.types import EventType
from api.pagination import After, Connection, First, connection, page_of
from graph.core.errors import Forbidden
from graph.events import delivery_log, webhooks
from graph.events.deliveries import DeliveryState
from graph.events.delivery_log import DeliveryRecord
from graph.events.webhooks import WebhookRecord


class WebhookDeliveryState(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PAUSED = "PAUSED"


described_enum(
    WebhookDeliveryState,
    name="WebhookDeliveryState",
    description="Where a delivery stands.",
    values={
        "PENDING": "Waiting for its first attempt or a retry (`nextAttemptAt`), or in flight.",
        "SUCCEEDED": "The receiver answered 2xx; nothing more is sent.",
        "FAILED": "Given up: the retry window (LINEAGE_WEBHOOK_RETRY_SECONDS) ended, or a ping "
        "failed. `redeliverEvent` queues it again.",
        "PAUSED": "The webhook is disabled; the delivery resumes when it is enabled again.",
    },
)


async def load_webhooks(context: Context, ids: list[str]) -> list[WebhookRecord | None]:
    return await webhooks.webhooks_by_ids(context.graph, ids)


async def load_deliveries(context: Context, ids: list[str]) -> list[DeliveryRecord | None]:
    return await delivery_log.deliveries_by_ids(context.graph, ids)


async def admin_of(
    info: Info[Context, None], webhook_ids: Iterable[str]
) -> list[WebhookRecord | None]:
    """The webhooks, None where absent or in an organisation the caller is no member of (so an
    id never tells that a webhook exists elsewhere); raises for a member who is no admin."""
    records = await info.context.loaders.get(load_webhooks).load_many(list(webhook_ids))
    return [
        record if record is not None and await administered(info, record) else None
        for record in records
    ]


async def administered(info: Info[Context, None], record: WebhookRecord) -> bool:
    """True for an admin of the webhook's organisation; False for an outsider (answer it as
    missing); `Forbidden` for its members who are no admins, who know the organisation."""
    try:
        await info.context.authorize(Action.ADMIN, org=record.org_name)
    except Forbidden:
        access = info.context.caller.access
        if access is not None and (await access.lookup(record.org_name, None)).org_role:
            raise
        return False
    return True


@strawberry.type(description="Which events a webhook receives: each given field must match.")
class WebhookFilter:
    project: str | None = strawberry.field(description="Project name; null: any.")
    artifact: str | None = strawberry.field(description="Artifact name; null: any.")
    registry: str | None = strawberry.field(
        description="Registry name (without `registry-`); null: any."
    )
    collection: str | None = strawberry.field(description="Collection name; null: any.")
    alias: str | None = strawberry.field(description="Alias name; null: any.")


@strawberry.type(
    description="A URL that receives the organisation's events as signed POSTs (Standard "
    "Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`; docs/webhooks.md). "
    "Visible to the organisation's admins only."
)
class Webhook(relay.Node):
    id: relay.NodeID[str]
    organization: str = strawberry.field(description="The organisation's name.")
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str = strawberry.field(description="Free text; empty when none.")
    event_types: list[EventType] = strawberry.field(
        description="The event types it receives; empty means every type."
    )
    filter: WebhookFilter = strawberry.field(description="Which objects' events it receives.")
    enabled: bool = strawberry.field(
        description="False when disabled by an admin or after LINEAGE_WEBHOOK_DISABLE_AFTER "
        "consecutive failed attempts; `updateWebhook` with `enabled: true` resumes it."
    )
    disabled_at: datetime | None = strawberry.field(description="When it was disabled, if it is.")
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled (by whom, or the last delivery error), if it is."
    )
    consecutive_failures: int = strawberry.field(
        description="Failed attempts since the last successful one (pings not counted)."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    created_by: str = strawberry.field(description="User name of its creator.")
    updated_at: datetime = strawberry.field(description="When it was last changed (UTC).")
    secret_rotated_at: datetime | None = strawberry.field(
        description="When its signing secret was last rotated; null if never."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until when the secret replaced by the last rotation still signs too "
        "(a second signature in `webhook-signature`); null when it does not."
    )
    record: strawberry.Private[WebhookRecord]

    @classmethod
    def from_record(cls, record: WebhookRecord) -> Webhook:
        f = record.filter
        return cls(
            id=record.id,
            organization=record.org_name,
            url=record.url,
            description=record.description,
            event_types=[EventType(t.value) for t in record.event_types],
            filter=WebhookFilter(
                project=f.project,
                artifact=f.artifact,
                registry=f.registry,
                collection=f.collection,
                alias=f.alias,
            ),
            enabled=record.enabled,
            disabled_at=record.disabled_at,
            disabled_reason=record.disabled_reason,
            consecutive_failures=record.consecutive_failures,
            created_at=record.created_at,
            created_by=record.created_by,
            updated_at=record.updated_at,
            secret_rotated_at=record.secret_rotated_at,
            previous_secret_expires_at=record.previous_secret_until,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Webhook | None]:
        records = await admin_of(info, node_ids)
        return [None if r is None else cls.from_record(r) for r in records]

    @strawberry.field(description="Its delivery log, newest first.")
    async def deliveries(
        self,
        info: Info[Context, None],
        state: Annotated[
            WebhookDeliveryState | None,
            strawberry.argument(description="Only deliveries in this state; null: all."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[WebhookDelivery]:
        await info.context.authorize(Action.ADMIN, org=self.organization)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await delivery_log.list_deliveries(
            info.context.graph,
            self.id,
            offset=page.offset,
            limit=page.limit,
            state=None if state is None else DeliveryState(state.value),
        )
        return connection(records, total, page, WebhookDelivery.from_record)


@strawberry.type(
    description="One event's delivery to one webhook, with the outcome of its latest attempt."
)
class WebhookDelivery(relay.Node):
    id: relay.NodeID[str]
    event_id: strawberry.ID = strawberry.field(
        description="The event's id: the `webhook-id` header and the body's `id` (a ping's is "
        "made up for it). Pass it to `redeliverEvent`."
    )
    event_type: str = strawberry.field(
        description="The event's type (an EventType value), or `PING` for a ping."
    )
    event_cursor: str | None = strawberry.field(
        description="The event's cursor in the organisation's log; null for a ping."
    )
    ping: bool = strawberry.field(description="True for a delivery made by `pingWebhook`.")
    state: WebhookDeliveryState = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made so far (one in flight counts).")
    in_flight: bool = strawberry.field(description="True while an attempt is being made.")
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    last_attempt_at: datetime | None = strawberry.field(
        description="When the latest attempt began or ended; null before the first."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due; null once it succeeded, failed or is paused."
    )
    give_up_at: datetime | None = strawberry.field(
        description="The end of its retry window: no attempt starts after it."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the receiver accepted it (2xx); null until then."
    )
    response_status: int | None = strawberry.field(
        description="The HTTP status of the latest answer; null when none came (refused, "
        "unreachable, timed out)."
    )
    response_body: str | None = strawberry.field(
        description="The first 4 KiB of the latest answer's body (undecoded bytes as text)."
    )
    latency_ms: float | None = strawberry.field(
        description="How long the latest attempt took, in milliseconds."
    )
    last_error: str | None = strawberry.field(
        description="Why the latest attempt failed; null when it succeeded."
    )
    record: strawberry.Private[DeliveryRecord]

    @classmethod
    def from_record(cls, record: DeliveryRecord) -> WebhookDelivery:
        return cls(
            id=record.id,
            event_id=strawberry.ID(record.event_id),
            event_type=record.event_type,
            event_cursor=None if record.event_seq is None else str(record.event_seq),
            ping=record.ping,
            state=WebhookDeliveryState(record.state.value),
            attempts=record.attempts,
            in_flight=record.in_flight,
            created_at=record.created_at,
            last_attempt_at=record.last_attempt_at,
            next_attempt_at=record.next_attempt_at,
            give_up_at=record.deadline_at,
            delivered_at=record.delivered_at,
            response_status=record.response_status,
            response_body=record.response_body,
            latency_ms=record.latency_ms,
            last_error=record.last_error,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDelivery | None]:
        records = await info.context.loaders.get(load_deliveries).load_many(list(node_ids))
        owners = await admin_of(info, [r.webhook_id for r in records if r is not None])
        present = {w.id for w in owners if w is not None}
        return [
            cls.from_record(r) if r is not None and r.webhook_id in present else None
            for r in records
        ]

    @strawberry.field(description="The webhook it is for.")
    async def webhook(self, info: Info[Context, None]) -> Webhook | None:
        (record,) = await admin_of(info, [self.record.webhook_id])
        return None if record is None else Webhook.from_record(record)
