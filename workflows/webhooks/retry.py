"""What follows an attempt: success ends a delivery; a failure is retried after an exponential
backoff with full jitter (a random delay between 0 and base * 2^(attempts-1), capped at an hour)
while the retry window lasts, so receivers coming back from an outage are not hit by every
replica's retries at the same instant."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from graph.events.deliveries import AttemptResult, ClaimedDelivery, DeliveryState
from workflows.webhooks.sender import Attempt

MAX_BACKOFF_SECONDS = 3600.0
_JITTER = random.Random()
"""Its own generator: the worker runs beside other code in one process, and drawing from the
module's shared one would disturb theirs (property-based tests notice)."""


def backoff_ceiling(attempts: int, base_seconds: float) -> float:
    """The longest delay after the `attempts`-th failed attempt."""
    return min(MAX_BACKOFF_SECONDS, base_seconds * 2.0 ** min(max(attempts - 1, 0), 60))


def next_attempt_at(
    attempts: int,
    at: datetime,
    deadline: datetime,
    base_seconds: float,
    draw: Callable[[], float] = _JITTER.random,
) -> datetime | None:
    """When to try again, or None when that would fall after `deadline` (give up)."""
    when = at + timedelta(seconds=draw() * backoff_ceiling(attempts, base_seconds))
    return when if when <= deadline else None


def outcome(
    delivery: ClaimedDelivery, attempt: Attempt, at: datetime, base_seconds: float
) -> AttemptResult:
    """The result to record for `attempt` of `delivery` (pings are never retried)."""
    if attempt.ok:
        state, retry_at = DeliveryState.SUCCEEDED, None
    else:
        retry_at = (
            None
            if delivery.ping
            else next_attempt_at(delivery.attempts, at, delivery.deadline_at, base_seconds)
        )
        state = DeliveryState.FAILED if retry_at is None else DeliveryState.PENDING
    return AttemptResult(
        delivery_id=delivery.id,
        webhook_id=delivery.webhook_id,
        ok=attempt.ok,
        at=at,
        state=state,
        next_attempt_at=retry_at,
        status=attempt.status,
        error=attempt.error,
        latency_ms=attempt.latency_ms,
        response_body=attempt.response_body,
        counts=not delivery.ping,
    )
