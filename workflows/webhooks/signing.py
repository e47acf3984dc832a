"""Standard Webhooks signatures (https://www.standardwebhooks.com): what a delivery's headers
say, so receivers can verify with any Standard Webhooks library or `lineage.webhooks.verify`.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the key is the bytes the
`whsec_` secret encodes. During a rotation's overlap both the new and the previous secret sign,
space-separated in one `webhook-signature` header, so receivers can switch at their own pace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "Lineage-Webhooks/0.1"


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of one delivery attempt under one secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def delivery_headers(
    secrets_in_use: Sequence[str], message_id: str, event_type: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header of one attempt; one signature per secret in use (newest first)."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use
        ),
        "lineage-event-type": event_type,
    }
