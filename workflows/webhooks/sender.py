"""One delivery attempt: resolve and check the target again, POST the signed body to the
address that was checked, keep a bounded piece of the answer, all within the attempt timeout.

The request is written by hand over an asyncio connection to the checked IP address (HTTP/1.1,
`connection: close`), which is what makes the guard hold: the socket is opened to the address
that passed, never to a name resolved again later (DNS rebinding), with the URL's name in the
Host header and, for https, as the TLS server name, so certificates are still verified against
the name. No proxy from the environment is used, redirects are never followed (a 3xx is a
failed attempt), and at most `RESPONSE_KEEP_BYTES` of the answer's body are read.

Why not httpx: a burst of 10,000 deliveries spent most of a worker's CPU in httpx's connection
pool bookkeeping (quadratic in queued requests) and per-request lock setup; one short request
per attempt needs none of it, and this is several times cheaper per delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workflows.webhooks.settings import WebhookSettings
from workflows.webhooks.signing import delivery_headers
from workflows.webhooks.url_guard import (
    IPAddress,
    RefusedTarget,
    Resolver,
    Target,
    parse_target,
    resolve_checked,
)

RESPONSE_KEEP_BYTES = 4096
"""How much of a receiver's answer the delivery log keeps; the rest is never read."""
MAX_HEADER_LINES = 100
LINE_LIMIT = 16 * 1024
"""The longest status or header line read from a receiver (a longer one fails the attempt)."""


class ReceiverError(Exception):
    """The receiver's answer is not HTTP/1.x as this client reads it."""


@dataclass(frozen=True)
class Attempt:
    ok: bool
    latency_ms: float
    status: int | None = None
    error: str | None = None
    response_body: str | None = None
    refused: bool = False
    """The URL guard refused the target under this server's settings: nothing was sent."""


def tls_context() -> ssl.SSLContext:
    """Certificate and name verification on, with certifi's roots when present (as httpx)."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with the server's dependencies
        return ssl.create_default_context()


class Clients:
    """What a worker's attempts share: the TLS context (loading CA roots is slow)."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.tls = tls_context()

    async def aclose(self) -> None:
        return None

    async def __aenter__(self) -> Clients:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _request_head(target: Target, headers: Mapping[str, str], length: int) -> bytes:
    lines = [f"POST {target.path} HTTP/1.1", f"host: {target.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"content-length: {length}", "connection: close", "", ""]
    return "\r\n".join(lines).encode("ascii")


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as cut:
        raise ReceiverError("the connection closed mid-answer") from cut
    except asyncio.LimitOverrunError as long:
        raise ReceiverError("an answer line is too long") from long
    return line.rstrip(b"\r\n")


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The final status and headers (interim 1xx answers skipped)."""
    while True:
        parts = (await _read_line(reader)).split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ReceiverError("the answer is not HTTP/1.x")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADER_LINES + 1):
            line = await _read_line(reader)
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ReceiverError("the answer has too many headers")
        if status >= 200 or status < 100:
            return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    """Up to `RESPONSE_KEEP_BYTES` of the body (chunked framing removed); the rest unread."""
    kept = bytearray()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while len(kept) < RESPONSE_KEEP_BYTES:
            size_line = (await _read_line(reader)).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ReceiverError("bad chunked framing") from None
            if size == 0:
                break
            wanted = min(size, RESPONSE_KEEP_BYTES - len(kept))
            kept += await reader.read(wanted)
            if wanted < size:
                break
            await _read_line(reader)
        return bytes(kept)
    length = headers.get("content-length")
    limit = RESPONSE_KEEP_BYTES
    if length is not None and length.isdigit():
        limit = min(limit, int(length))
    while len(kept) < limit:
        chunk = await reader.read(limit - len(kept))
        if not chunk:
            break
        kept += chunk
    return bytes(kept)


async def _post(
    clients: Clients, target: Target, address: IPAddress, headers: Mapping[str, str], body: bytes
) -> tuple[int, bytes]:
    https = target.scheme == "https"
    reader, writer = await asyncio.open_connection(
        str(address),
        target.port,
        ssl=clients.tls if https else None,
        server_hostname=target.host if https else None,
        limit=LINE_LIMIT,
    )
    try:
        writer.write(_request_head(target, headers, len(body)) + body)
        await writer.drain()
        status, answer_headers = await _read_head(reader)
        return status, await _read_body(reader, answer_headers)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


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
            status, kept = await _post(clients, target, address, headers, body)
    except RefusedTarget as refused:
        return Attempt(ok=False, latency_ms=elapsed(), error=f"refused: {refused}", refused=True)
    except TimeoutError:
        return Attempt(
            ok=False,
            latency_ms=elapsed(),
            error=f"no answer within {settings.timeout_seconds:g} s",
        )
    except ssl.SSLError as failure:
        return Attempt(ok=False, latency_ms=elapsed(), error=f"TLS: {failure}"[:500])
    except (OSError, ReceiverError) as failure:
        return Attempt(
            ok=False, latency_ms=elapsed(), error=f"{type(failure).__name__}: {failure}"[:500]
        )
    text = kept[:RESPONSE_KEEP_BYTES].decode(errors="replace")
    if 200 <= status < 300:
        return Attempt(ok=True, latency_ms=elapsed(), status=status, response_body=text)
    error = (
        f"HTTP {status}: redirects are not followed" if 300 <= status < 400 else f"HTTP {status}"
    )
    return Attempt(ok=False, latency_ms=elapsed(), status=status, error=error, response_body=text)
