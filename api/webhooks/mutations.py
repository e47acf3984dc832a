"""Mutations of webhooks: create, change, delete, rotate the secret, redeliver, ping.

All need `ADMIN` in the webhook's organisation. A signing secret is answered by
`createWebhook` and `rotateWebhookSecret` only, once; nothing reads it afterwards.
"""

from __future__ import annotations

import re

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.events.types import EventFilterInput, EventType
from api.webhooks.types import Webhook, WebhookDelivery, administered
from graph.core.errors import NotFound
from graph.events import webhooks
from graph.events.webhooks import WebhookChange, WebhookRecord
from workflows.webhooks import manage

RAW_EVENT_ID = re.compile(r"[0-9a-f]{32}")

URL = (
    "https:// URL the deliveries are POSTed to (http:// only where LINEAGE_WEBHOOK_ALLOW_HTTP "
    "is on). Its host may not resolve to a loopback, private, link-local, CGNAT, multicast, "
    "reserved or cloud metadata address (unless LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES): "
    "INVALID_INPUT on `url`, saying why. Checked again at every delivery."
)
WEBHOOK_ID = "Global id of the Webhook; NOT_FOUND if none."


@strawberry.input(description="A new webhook of an organisation (at most 100 per organisation).")
class CreateWebhookInput:
    organization: str = strawberry.field(description="The organisation's name.")
    url: str = strawberry.field(description=URL)
    event_types: list[EventType] | None = strawberry.field(
        default=None, description="The event types to deliver; null or empty: every type."
    )
    filter: EventFilterInput | None = strawberry.field(
        default=None, description="Deliver only events about matching objects; null: all."
    )
    description: str = strawberry.field(default="", description="Free text, up to 4096 characters.")


@strawberry.type(description="The result of createWebhook.")
class CreateWebhookPayload:
    webhook: Webhook | None = strawberry.field(
        default=None, description="The new webhook; null when `errors` is not empty."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_...`), shown only here, never again: store it "
        "where the receiver verifies signatures (`lineage.webhooks.verify`).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="Changes to a webhook; null fields stay as they are.")
class UpdateWebhookInput:
    webhook_id: relay.GlobalID = strawberry.field(description=WEBHOOK_ID)
    url: str | None = strawberry.field(default=None, description=URL)
    event_types: list[EventType] | None = strawberry.field(
        default=None, description="Replaces the event types; [] means every type."
    )
    filter: EventFilterInput | None = strawberry.field(
        default=None, description="Replaces the filter; {} matches every object."
    )
    description: str | None = strawberry.field(
        default=None, description="New description, up to 4096 characters; '' clears it."
    )
    enabled: bool | None = strawberry.field(
        default=None,
        description="false pauses deliveries; true resumes a disabled webhook (its failure "
        "count starts again, paused deliveries are due at once, and events since it stopped "
        "are delivered if the log still has them).",
    )


@strawberry.type(description="The result of updateWebhook.")
class WebhookPayload:
    webhook: Webhook | None = strawberry.field(
        default=None, description="The webhook as it is now; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="The webhook to delete, with its delivery log.")
class DeleteWebhookInput:
    webhook_id: relay.GlobalID = strawberry.field(description=WEBHOOK_ID)


@strawberry.type(description="The result of deleteWebhook.")
class DeleteWebhookPayload:
    deleted_webhook_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Global id of the deleted webhook; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A webhook whose signing secret to replace.")
class RotateWebhookSecretInput:
    webhook_id: relay.GlobalID = strawberry.field(description=WEBHOOK_ID)
    overlap_seconds: int = strawberry.field(
        default=86400,
        description="How long the replaced secret still signs too (0 to 604800, a week; "
        "INVALID_INPUT otherwise): during it, `webhook-signature` carries two signatures, so "
        "receivers can switch to the new secret without missing a delivery.",
    )


@strawberry.type(description="The result of rotateWebhookSecret.")
class RotateWebhookSecretPayload:
    webhook: Webhook | None = strawberry.field(
        default=None, description="The webhook; null when `errors` is not empty."
    )
    secret: str | None = strawberry.field(
        default=None, description="The new signing secret, shown only here, never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="An event to deliver to a webhook again.")
class RedeliverEventInput:
    webhook_id: relay.GlobalID = strawberry.field(description=WEBHOOK_ID)
    event_id: strawberry.ID = strawberry.field(
        description="The event's id (`Event.id`, a delivery's `eventId`, the `webhook-id` "
        "header). Its delivery becomes due now with a fresh retry window; an event of the "
        "organisation the webhook never had is queued for it. NOT_FOUND when the event is "
        "neither delivered to this webhook nor still in the organisation's log."
    )


@strawberry.input(description="A webhook to send a ping to.")
class PingWebhookInput:
    webhook_id: relay.GlobalID = strawberry.field(description=WEBHOOK_ID)


@strawberry.type(description="The result of redeliverEvent or pingWebhook.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        default=None,
        description="The delivery: queued (redeliverEvent) or with the ping's outcome "
        "(pingWebhook); null when `errors` is not empty.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


async def _admin_webhook(info: Info[Context, None], webhook_id: relay.GlobalID) -> WebhookRecord:
    """The webhook, once the caller is known to be an admin of its organisation."""
    if webhook_id.type_name != "Webhook":
        raise NotFound("Webhook not found", field="webhookId")
    record = await webhooks.require_webhook(info.context.graph, webhook_id.node_id)
    if not await administered(info, record):
        raise NotFound("Webhook not found", field="webhookId")  # as a missing one, to outsiders
    return record


def _event_id(value: str) -> str:
    if RAW_EVENT_ID.fullmatch(value):
        return value
    try:
        decoded = relay.GlobalID.from_id(value)
    except Exception:  # any malformed id names no event
        raise NotFound("Event not found", field="eventId") from None
    if decoded.type_name != "Event" or not RAW_EVENT_ID.fullmatch(decoded.node_id):
        raise NotFound("Event not found", field="eventId")
    return decoded.node_id


@strawberry.type(description="Mutations of webhooks (organisation admins only).")
class WebhookMutation:
    @strawberry.mutation(
        description="Register a URL for the organisation's events; answers the signing secret once."
    )
    @mutation_errors(CreateWebhookPayload)
    async def create_webhook(
        self, info: Info[Context, None], input: Input[CreateWebhookInput]
    ) -> CreateWebhookPayload:
        await info.context.authorize(Action.ADMIN, org=input.organization)
        record, secret = await manage.create_webhook(
            info.context.graph,
            info.context.webhook_settings,
            org=input.organization,
            url=input.url,
            event_types=[t.stored() for t in input.event_types or []],
            filter=None if input.filter is None else input.filter.to_filter(),
            description=input.description,
            actor=info.context.caller.name,
        )
        return CreateWebhookPayload(webhook=Webhook.from_record(record), secret=secret)

    @strawberry.mutation(description="Change a webhook, or enable or disable it.")
    @mutation_errors(WebhookPayload)
    async def update_webhook(
        self, info: Info[Context, None], input: Input[UpdateWebhookInput]
    ) -> WebhookPayload:
        record = await _admin_webhook(info, input.webhook_id)
        change = WebhookChange(
            url=input.url,
            description=input.description,
            event_types=(
                None if input.event_types is None else [t.stored() for t in input.event_types]
            ),
            filter=None if input.filter is None else input.filter.to_filter(),
            enabled=input.enabled,
        )
        updated = await manage.update_webhook(
            info.context.graph,
            info.context.webhook_settings,
            record.id,
            change,
            actor=info.context.caller.name,
        )
        return WebhookPayload(webhook=Webhook.from_record(updated))

    @strawberry.mutation(description="Delete a webhook and its delivery log.")
    @mutation_errors(DeleteWebhookPayload)
    async def delete_webhook(
        self, info: Info[Context, None], input: Input[DeleteWebhookInput]
    ) -> DeleteWebhookPayload:
        record = await _admin_webhook(info, input.webhook_id)
        if not await webhooks.delete_webhook(
            info.context.graph, record.id, actor=info.context.caller.name
        ):
            raise NotFound("Webhook not found", field="webhookId")
        return DeleteWebhookPayload(deleted_webhook_id=input.webhook_id)

    @strawberry.mutation(
        description="Replace the signing secret (answered once); the old one keeps signing "
        "during the overlap."
    )
    @mutation_errors(RotateWebhookSecretPayload)
    async def rotate_webhook_secret(
        self, info: Info[Context, None], input: Input[RotateWebhookSecretInput]
    ) -> RotateWebhookSecretPayload:
        record = await _admin_webhook(info, input.webhook_id)
        rotated, secret = await manage.rotate_secret(
            info.context.graph,
            info.context.webhook_settings,
            record.id,
            overlap_seconds=input.overlap_seconds,
            actor=info.context.caller.name,
        )
        return RotateWebhookSecretPayload(webhook=Webhook.from_record(rotated), secret=secret)

    @strawberry.mutation(description="Deliver an event to a webhook again, due now.")
    @mutation_errors(WebhookDeliveryPayload)
    async def redeliver_event(
        self, info: Info[Context, None], input: Input[RedeliverEventInput]
    ) -> WebhookDeliveryPayload:
        record = await _admin_webhook(info, input.webhook_id)
        delivery = await manage.redeliver(
            info.context.graph, info.context.webhook_settings, record.id, _event_id(input.event_id)
        )
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_record(delivery))

    @strawberry.mutation(
        description="Send a PING delivery now, even to a disabled webhook, and answer its "
        "outcome (never retried; does not count towards disabling)."
    )
    @mutation_errors(WebhookDeliveryPayload)
    async def ping_webhook(
        self, info: Info[Context, None], input: Input[PingWebhookInput]
    ) -> WebhookDeliveryPayload:
        record = await _admin_webhook(info, input.webhook_id)
        delivery = await manage.ping_webhook(
            info.context.graph,
            info.context.webhook_settings,
            record,
            actor=info.context.caller.name,
        )
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_record(delivery))
