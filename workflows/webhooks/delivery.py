"""Delivering one claimed delivery: open its secrets, send it, decide what follows. Shared by
the worker and by `pingWebhook`, which sends at once instead of waiting for the worker."""

from __future__ import annotations

import logging
from datetime import timedelta

from graph.core.values import now
from graph.events.deliveries import AttemptResult, ClaimedDelivery, DeliveryState
from workflows.webhooks.retry import backoff_ceiling, outcome
from workflows.webhooks.secret_box import SecretBoxError, open_sealed
from workflows.webhooks.sender import Clients, send
from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.url_guard import Resolver

log = logging.getLogger("lineage.webhooks")

UNREADABLE_SECRET = (
    "this server cannot open the webhook's signing secret (was LINEAGE_SECRET_KEY changed, "
    "or does it differ between replicas?); rotate the secret or fix the key"
)


def secrets_in_use(delivery: ClaimedDelivery, settings: WebhookSettings) -> list[str]:
    """The secrets to sign with, newest first: the current one, and the previous one while its
    rotation overlap lasts. `SecretBoxError` when they do not open with this server's key."""
    sealed = delivery.secrets
    opened = [open_sealed(settings.secret_key, sealed.current, context=delivery.webhook_id)]
    if sealed.previous and sealed.previous_until is not None and sealed.previous_until > now():
        opened.append(
            open_sealed(settings.secret_key, sealed.previous, context=delivery.webhook_id)
        )
    return opened


async def deliver(
    delivery: ClaimedDelivery,
    clients: Clients,
    settings: WebhookSettings,
    resolver: Resolver | None = None,
) -> AttemptResult:
    """Send one attempt and return what to record. A secret this server cannot open is a
    misconfigured server, not a failing receiver: it is retried later and never counts towards
    disabling the webhook."""
    try:
        secrets = secrets_in_use(delivery, settings)
    except SecretBoxError:
        log.error("webhook secret unreadable", extra={"webhook_id": delivery.webhook_id})
        at = now()
        return AttemptResult(
            delivery_id=delivery.id,
            webhook_id=delivery.webhook_id,
            ok=False,
            at=at,
            state=DeliveryState.FAILED if delivery.ping else DeliveryState.PENDING,
            next_attempt_at=(
                None
                if delivery.ping
                else at
                + timedelta(
                    seconds=max(1.0, backoff_ceiling(delivery.attempts, settings.backoff_seconds))
                )
            ),
            error=UNREADABLE_SECRET,
            counts=False,
        )
    attempt = await send(
        clients,
        settings,
        url=delivery.url,
        message_id=delivery.event_id,
        event_type=delivery.event_type,
        body=delivery.body.encode(),
        secrets=secrets,
        resolver=resolver,
    )
    return outcome(delivery, attempt, now(), settings.backoff_seconds)
