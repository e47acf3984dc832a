"""Which URLs a webhook may call: the SSRF guard, applied at creation and again at delivery.

A webhook URL is chosen by an organisation admin, but the POST comes from inside the server's
network, so without a guard it could reach the cloud metadata service, Neo4j or anything on a
private network. So: https only (http when LINEAGE_WEBHOOK_ALLOW_HTTP), no credentials in the
URL, and every address the host resolves to must be public (not loopback, private, link-local,
CGNAT, unspecified, multicast, reserved or a metadata address) unless
LINEAGE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES. A name can resolve differently later (DNS rebinding),
so a delivery resolves again, checks every address, and connects to the address it checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from graph.core.errors import InvalidInput
from workflows.webhooks.settings import WebhookSettings

MAX_URL_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[..., Awaitable[list[tuple[Any, ...]]]]
"""`loop.getaddrinfo`'s shape: `(host, port, type=...)` -> `[(family, type, proto, canonname,
sockaddr), ...]`; tests pass their own to answer a name without real DNS."""

METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class RefusedTarget(Exception):
    """A URL or address the guard refuses; the message says why, for the delivery log."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: what to resolve, and what to send as Host and SNI."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent."""

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    def url_for(self, address: IPAddress) -> str:
        """The URL with its host replaced by `address`: the connection goes to what was checked."""
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def parse_target(url: str, settings: WebhookSettings) -> Target:
    """`url` taken apart; `RefusedTarget` when its form is not allowed (no DNS here)."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise RefusedTarget(
            "the URL must be ASCII without spaces or control characters (percent-encode the "
            "path, write an international name in punycode)"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedTarget(f"not a valid URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise RefusedTarget("the URL must start with https://")
    if scheme == "http" and not settings.allow_http:
        raise RefusedTarget("the URL must use https (http is turned off on this server)")
    if parts.username is not None or parts.password is not None:
        raise RefusedTarget("the URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedTarget("the URL has no valid host")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80), path)


def refusal(address: IPAddress) -> str | None:
    """Why the guard refuses `address` by default, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def _addresses(target: Target, resolver: Resolver | None) -> list[IPAddress]:
    literal = _literal(target.host)
    if literal is not None:
        return [literal]
    resolve = resolver or asyncio.get_running_loop().getaddrinfo
    try:
        infos = await resolve(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedTarget(f"{target.host} does not resolve ({error})") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedTarget(f"{target.host} does not resolve")
    return addresses


async def resolve_checked(
    target: Target, settings: WebhookSettings, resolver: Resolver | None = None
) -> list[IPAddress]:
    """Every address `target`'s host resolves to, each allowed; `RefusedTarget` when the name
    does not resolve or any address is refused (one bad address is enough: a rebinding
    attacker controls which one a client would pick)."""
    addresses = await _addresses(target, resolver)
    if not settings.allow_private_addresses:
        for address in addresses:
            why = refusal(address)
            if why is not None:
                shown = "" if str(address) == target.host else f"{target.host} resolves to "
                raise RefusedTarget(
                    f"{shown}{address}, {why}, which webhooks may not reach on this server"
                )
    return addresses


async def check_url(
    url: str, settings: WebhookSettings, resolver: Resolver | None = None
) -> Target:
    """`url` if a webhook may call it now; `InvalidInput` on field `url` saying why not."""
    try:
        target = parse_target(url, settings)
        await resolve_checked(target, settings, resolver)
    except RefusedTarget as refused:
        raise InvalidInput(f"Webhook URL refused: {refused}", field="url") from None
    return target
