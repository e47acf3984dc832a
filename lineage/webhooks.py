"""Verifying Lineage webhook deliveries in the receiver (Standard Webhooks signatures).

    import lineage.webhooks

    event = lineage.webhooks.verify(request.headers, request.body, secret)  # the dict

Each delivery is a POST with a JSON body and the headers `webhook-id` (the event id: use it to
drop duplicates, delivery is at-least-once), `webhook-timestamp` (unix seconds) and
`webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, two of them,
space-separated, while a rotated secret overlaps the new one). Standard library only: receivers
need not install the rest of the SDK's dependencies to use it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    """The delivery is not proven to come from Lineage: a header is missing, the timestamp is
    outside the tolerance (a replay), or no signature matches the secret."""


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing header {name}")


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not a whsec_ signing secret") from None


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,...` signature Lineage sends for this content under `secret`."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The delivery's JSON body as a dict, once its signature matches `secret` and its
    timestamp is within `tolerance_seconds` (5 minutes) of now; `WebhookVerificationError`
    otherwise. Pass the body exactly as received (bytes), before any JSON parsing."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    message_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookVerificationError(
            f"webhook-timestamp is more than {tolerance_seconds} s from now (a replay, or a "
            "clock out of sync)"
        )
    expected = sign(secret, message_id, timestamp, raw).encode()
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode(), expected):
            try:
                event: Any = json.loads(raw)
            except ValueError:
                raise WebhookVerificationError("the body is not JSON") from None
            if not isinstance(event, dict):
                raise WebhookVerificationError("the body is not a JSON object")
            return event  # pyright: ignore[reportUnknownVariableType]
    raise WebhookVerificationError("no signature matches the secret")
