"""What the webhook worker and the URL guard read, built by the API from its `Settings`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookSettings:
    allow_http: bool = False
    allow_private_addresses: bool = False
    timeout_seconds: float = 10.0
    retry_seconds: float = 24 * 3600.0
    backoff_seconds: float = 1.0
    disable_after_failures: int = 50
    poll_seconds: float = 0.05
    secret_key: str = ""
    """The server's secret (LINEAGE_SECRET_KEY): webhook signing secrets are kept encrypted
    with a key derived from it."""
