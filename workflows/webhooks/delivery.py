"""Delivering one claimed delivery: open its secrets, send it, decide what follows. Shared by
the worker and by `pingWebhook`, which sends at once instead of waiting for the worker."""

from __future__ import annotations

import logging

from graph.core.values import now
from graph.events.deliveries import AttemptResult, ClaimedDelivery, DeliveryState
from workflows.webhooks.retry import outcome
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
    """Send one attempt and return what to record. A secret this server cannot open, or a
    target its URL guard refuses, is handed back (`handed_back`), not a failed attempt."""
    try:
        secrets = secrets_in_use(delivery, settings)
    except SecretBoxError:
        log.error("webhook secret unreadable", extra={"webhook_id": delivery.webhook_id})
        return handed_back(delivery, UNREADABLE_SECRET)
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
    if attempt.refused and not delivery.ping:
        refused = {"webhook_id": delivery.webhook_id, "error": attempt.error}
        log.warning("webhook target refused", extra=refused)
        return handed_back(delivery, attempt.error or "refused")
    return outcome(delivery, attempt, now(), settings.backoff_seconds)


def handed_back(delivery: ClaimedDelivery, error: str) -> AttemptResult:
    """A claim this worker cannot act on, returned uncounted for a replica that can, or ended
    as FAILED once its retry window is over (a ping fails at once).

    Replicas of one deployment share their settings and key, so this is rare there: a URL that
    resolves to a refused address only at delivery (DNS rebinding: nothing is ever sent to
    it), a setting tightened after the webhook was made, a replica started with another key.
    Handing back instead of failing keeps one misconfigured replica (or another deployment's
    test server on a shared database) from failing and disabling webhooks that the others
    deliver."""
    at = now()
    over = delivery.ping or at >= delivery.deadline_at
    return AttemptResult(
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
        ok=False,
        at=at,
        state=DeliveryState.FAILED if over else DeliveryState.PENDING,
        next_attempt_at=None if over else at,
        error=error,
        counts=False,
        released=not over,
    )
