"""The SSRF guard at creation and at delivery, the sealed-secret box, the retry schedule, and
one attempt against a real receiver: refused targets are never contacted, an allowed name is
reached at the address that was checked (with its own Host header), redirects fail."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph.core.errors import InvalidInput
from graph.events.deliveries import ClaimedDelivery, DeliveryState
from graph.events.webhooks import SealedSecrets
from lineage.webhooks import verify
from tests.webhook_receiver import always, running_receiver
from workflows.webhooks.delivery import UNREADABLE_SECRET, deliver
from workflows.webhooks.retry import MAX_BACKOFF_SECONDS, backoff_ceiling, next_attempt_at
from workflows.webhooks.secret_box import SecretBoxError, open_sealed, seal
from workflows.webhooks.sender import Clients, send
from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.signing import new_secret
from workflows.webhooks.url_guard import check_url

STRICT = WebhookSettings(allow_http=True, timeout_seconds=2.0)
"""Private addresses refused (the default); http allowed so the test receiver is reachable."""
OPEN = WebhookSettings(allow_http=True, allow_private_addresses=True, timeout_seconds=2.0)


def answering(address: str) -> Any:
    """A resolver that answers `address` for every name (no real DNS)."""

    async def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


async def test_a_name_resolving_to_a_private_address_is_refused_at_creation() -> None:
    with pytest.raises(InvalidInput, match=r"rebind\.example resolves to 10\.0\.0\.1, a private"):
        await check_url("https://rebind.example/hook", STRICT, answering("10.0.0.1"))
    with pytest.raises(InvalidInput, match="metadata"):
        await check_url("https://meta.example/", STRICT, answering("169.254.169.254"))
    with pytest.raises(InvalidInput, match="loopback"):
        await check_url("https://localhost/", WebhookSettings())  # real resolution
    target = await check_url("https://hooks.example/x?y=1", STRICT, answering("93.184.216.34"))
    assert (target.host, target.port, target.path) == ("hooks.example", 443, "/x?y=1")
    await check_url("https://rebind.example/hook", OPEN, answering("10.0.0.1"))


async def test_refused_targets_are_never_contacted_at_delivery() -> None:
    with running_receiver(always(200)) as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        secret = new_secret()
        async with Clients(STRICT) as clients:
            for url, resolver, reason in (
                (receiver.url, None, "127.0.0.1, a loopback address"),
                ("http://169.254.169.254/latest", None, "a cloud metadata address"),
                (f"http://rebind.example:{port}/hook", answering("10.0.0.1"), "10.0.0.1"),
                (f"http://rebind.example:{port}/hook", answering("127.0.0.1"), "loopback"),
            ):
                attempt = await send(
                    clients,
                    STRICT,
                    url=url,
                    message_id="e1",
                    event_type="PING",
                    body=b"{}",
                    secrets=[secret],
                    resolver=resolver,
                )
                assert not attempt.ok and attempt.status is None
                assert attempt.error is not None and reason in attempt.error, attempt.error
        assert receiver.requests() == []

        # allowed: the name is resolved by the test's resolver, the connection goes to the
        # address it answered, and the receiver sees the name in Host
        async with Clients(OPEN) as clients:
            attempt = await send(
                clients,
                OPEN,
                url=f"http://rebind.example:{port}/hook?x=1",
                message_id="e2",
                event_type="PING",
                body=b'{"id":"e2"}',
                secrets=[secret],
                resolver=answering("127.0.0.1"),
            )
        assert attempt.ok and attempt.status == 200 and attempt.response_body == "answer 1"
        (got,) = receiver.requests()
        assert got.headers["host"] == f"rebind.example:{port}"
        assert verify(got.headers, got.body, secret) == {"id": "e2"}


async def test_a_redirect_is_a_failed_attempt() -> None:
    with running_receiver(always(302)) as receiver:
        async with Clients(OPEN) as clients:
            attempt = await send(
                clients,
                OPEN,
                url=receiver.url,
                message_id="e1",
                event_type="PING",
                body=b"{}",
                secrets=[new_secret()],
            )
    assert not attempt.ok and attempt.status == 302
    assert attempt.error == "HTTP 302: redirects are not followed"


def test_sealed_secrets_open_only_with_the_same_key_and_webhook() -> None:
    secret = new_secret()
    sealed = seal("server-key", secret, context="hook-1")
    assert secret not in sealed and sealed != seal("server-key", secret, context="hook-1")
    assert open_sealed("server-key", sealed, context="hook-1") == secret
    for key, context, text in (
        ("other-key", "hook-1", sealed),
        ("server-key", "hook-2", sealed),
        ("server-key", "hook-1", sealed[:-2] + ("AA" if not sealed.endswith("AA") else "BB")),
        ("server-key", "hook-1", "nonsense"),
    ):
        with pytest.raises(SecretBoxError):
            open_sealed(key, text, context=context)


def test_backoff_doubles_with_full_jitter_up_to_an_hour_within_the_window() -> None:
    assert [backoff_ceiling(n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_ceiling(40, 1.0) == MAX_BACKOFF_SECONDS == backoff_ceiling(10_000, 1.0)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    deadline = at + timedelta(seconds=10)
    assert next_attempt_at(3, at, deadline, 1.0, draw=lambda: 0.5) == at + timedelta(seconds=2)
    assert next_attempt_at(3, at, deadline, 1.0, draw=lambda: 0.0) == at
    assert next_attempt_at(6, at, deadline, 1.0, draw=lambda: 0.99) is None  # after the window


def _claimed(url: str, key: str, *, deadline: datetime) -> ClaimedDelivery:
    return ClaimedDelivery(
        id="d1",
        webhook_id="w1",
        org_id="o1",
        url=url,
        event_id="e1",
        event_type="RUN_STARTED",
        body="{}",
        attempts=1,
        deadline_at=deadline,
        secrets=SealedSecrets(seal(key, new_secret(), context="w1"), None, None),
    )


async def test_a_claim_this_server_cannot_act_on_is_handed_back_uncounted() -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    strict = WebhookSettings(allow_http=True, secret_key="k")
    async with Clients(strict) as clients:
        claim = _claimed("http://127.0.0.1:9/", "k", deadline=later)
        refused = await deliver(claim, clients, strict)
        assert refused.released and not refused.counts
        assert refused.state is DeliveryState.PENDING and refused.error is not None
        assert "loopback" in refused.error
        unreadable = await deliver(
            _claimed("http://127.0.0.1:9/", "other-key", deadline=later), clients, strict
        )
        assert unreadable.released and unreadable.error == UNREADABLE_SECRET
        over = await deliver(
            _claimed("http://127.0.0.1:9/", "k", deadline=datetime.now(UTC)), clients, strict
        )
        assert over.state is DeliveryState.FAILED and not over.released and not over.counts
