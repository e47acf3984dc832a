"""One delivery attempt: resolve and check the target again, POST the signed body to the
address that was checked, keep a bounded piece of the answer, all within the attempt timeout.

Connections go to the checked IP address with the URL's name in the Host header (and, for
https, as the TLS server name, so certificates are still verified against the name): a name
that resolves to something else a moment later (DNS rebinding) cannot redirect the request.
Redirects are never followed (a 3xx is a failed attempt), proxies from the environment are
ignored, and an https connection is only ever reused for the name it was verified for.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.signing import delivery_headers
from workflows.webhooks.url_guard import (
    RefusedTarget,
    Resolver,
    Target,
    parse_target,
    resolve_checked,
)

RESPONSE_KEEP_BYTES = 4096
"""How much of a receiver's answer the delivery log keeps; the rest is never read."""
MAX_TLS_CLIENTS = 64


@dataclass(frozen=True)
class Attempt:
    ok: bool
    latency_ms: float
    status: int | None = None
    error: str | None = None
    response_body: str | None = None


class Clients:
    """The worker's HTTP clients: one shared for plain http (pooled by address), one per name
    for https, the least recently used closed beyond `MAX_TLS_CLIENTS`."""

    def __init__(self, settings: WebhookSettings, *, max_connections: int = 64) -> None:
        self._settings = settings
        self._max_connections = max_connections
        self._plain = self._new()
        self._tls: OrderedDict[str, httpx.AsyncClient] = OrderedDict()

    def _new(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self._settings.timeout_seconds),
            limits=httpx.Limits(
                max_connections=self._max_connections,
                max_keepalive_connections=self._max_connections,
            ),
        )

    async def for_target(self, target: Target) -> httpx.AsyncClient:
        if target.scheme != "https":
            return self._plain
        client = self._tls.pop(target.host, None) or self._new()
        self._tls[target.host] = client
        while len(self._tls) > MAX_TLS_CLIENTS:
            _, evicted = self._tls.popitem(last=False)
            await evicted.aclose()
        return client

    async def aclose(self) -> None:
        await self._plain.aclose()
        for client in self._tls.values():
            await client.aclose()
        self._tls.clear()

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()


async def send(
    clients: Clients,
    settings: WebhookSettings,
    *,
    url: str,
    message_id: str,
    event_type: str,
    body: bytes,
    secrets: Sequence[str],
    resolver: Resolver | None = None,
) -> Attempt:
    """POST `body` to `url`, signed with each of `secrets`; never raises for the receiver's or
    the network's failures, which are the attempt's outcome."""
    started = time.monotonic()

    def elapsed() -> float:
        return round((time.monotonic() - started) * 1000, 3)

    try:
        async with asyncio.timeout(settings.timeout_seconds):
            target = parse_target(url, settings)
            address = (await resolve_checked(target, settings, resolver))[0]
            headers = delivery_headers(secrets, message_id, event_type, int(time.time()), body)
            headers["host"] = target.host_header
            headers["accept-encoding"] = "identity"
            client = await clients.for_target(target)
            request = client.build_request(
                "POST",
                target.url_for(address),
                content=body,
                headers=headers,
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
            )
            response = await client.send(request, stream=True)
            try:
                kept = bytearray()
                async for chunk in response.aiter_raw():
                    kept += chunk
                    if len(kept) >= RESPONSE_KEEP_BYTES:
                        break
            finally:
                await response.aclose()
    except RefusedTarget as refused:
        return Attempt(ok=False, latency_ms=elapsed(), error=f"refused: {refused}")
    except TimeoutError:
        return Attempt(
            ok=False,
            latency_ms=elapsed(),
            error=f"no answer within {settings.timeout_seconds:g} s",
        )
    except httpx.HTTPError as failure:
        return Attempt(
            ok=False, latency_ms=elapsed(), error=f"{type(failure).__name__}: {failure}"[:500]
        )
    text = bytes(kept[:RESPONSE_KEEP_BYTES]).decode(errors="replace")
    status = response.status_code
    if 200 <= status < 300:
        return Attempt(ok=True, latency_ms=elapsed(), status=status, response_body=text)
    error = (
        f"HTTP {status}: redirects are not followed" if 300 <= status < 400 else f"HTTP {status}"
    )
    return Attempt(ok=False, latency_ms=elapsed(), status=status, error=error, response_body=text)
