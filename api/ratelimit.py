"""Who is calling /graphql, and whether they may call now: rate limits per API key and per
client address, answered with HTTP 429 and `Retry-After` before any resolver runs.

Each API key has a token bucket holding `rate_limit_per_key` requests that refills at that many
per minute, so a full minute's allowance may be spent at once. Requests without a valid key
(anonymous, malformed, unknown, revoked or expired keys) share one bucket per client address,
of `rate_limit_anonymous` requests per minute. A request without credentials is refused before
anything else; one with a key costs the key's lookup (one index seek), since only a valid key
has a bucket of its own. 0 turns a limit off.

The buckets live in the API process, or, for the workers of one `lineage serve --workers N`, in
a table file they share (`api.ratelimit_shared`); with N replicas on different machines behind a
load balancer a caller can reach N times the limit (docs/production.md). The client address is
the connection's peer; behind a proxy, run uvicorn with `--proxy-headers` and
`--forwarded-allow-ips` so it is the caller's.

This middleware also authenticates (the bucket depends on who calls), by the Authorization
header or else by the browser session cookie, and hands the `Caller` to the GraphQL context
through the request state; with Neo4j down that lookup is answered here with HTTP 503 and
UNAVAILABLE. A cookie-authenticated request that breaks the CSRF rule (`api.web.csrf`) is
answered HTTP 403 CSRF_REJECTED before anything runs; a session's requests count against the
bucket of the API key it was opened with. A browser opening the GraphiQL page is not a GraphQL
request and passes untouched. Downloads (`api.web.downloads`) spend the same buckets through
`admit`, so a file or manifest URL cannot be fetched faster than GraphQL may be called.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.authz import Caller, authenticate
from api.context import Services
from api.errors import RETRY_AFTER_SECONDS, ErrorCode
from api.ratelimit_shared import ADDRESSES_TABLE, KEYS_TABLE, SharedTokenBuckets
from api.web.csrf import csrf_refusal, csrf_rejected, has_bearer, session_token
from api.web.pages import wants_graphiql
from graph.core.errors import DomainError, RateLimited, Unavailable

CALLER_STATE = "caller"
"""The key under which the authenticated `Caller` is left in the request state."""

MAX_BUCKETS = 100_000
"""Buckets kept per limit; the least recently used is dropped beyond it (it was likely full)."""


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One token bucket per key: `per_minute` requests per minute, bursts of up to as many."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_buckets: int = MAX_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.max_buckets = max_buckets
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str) -> float:
        """Spend one request of `key`'s allowance: 0.0 if allowed, else the seconds until the
        next request would be (nothing is spent then)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.per_minute), at=now)
            if len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        rate = self.per_minute / 60.0
        bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate


class RateLimits:
    """The two limits of one API process, or of all the workers of one `lineage serve` when
    `shared` names the directory of their tables (`api.ratelimit_shared`)."""

    def __init__(self, per_key: int, anonymous: int, shared: Path | None = None) -> None:
        self.keys: TokenBuckets | SharedTokenBuckets
        self.addresses: TokenBuckets | SharedTokenBuckets
        if shared is None:
            self.keys = TokenBuckets(per_key)
            self.addresses = TokenBuckets(anonymous)
        else:
            self.keys = SharedTokenBuckets(shared / KEYS_TABLE, per_key)
            self.addresses = SharedTokenBuckets(shared / ADDRESSES_TABLE, anonymous)

    def charge_address(self, scope: Scope) -> None:
        """Spend one request of the allowance of the address `scope` came from (requests without
        a valid API key, and sign-in attempts); `RateLimited` when it is spent."""
        _allow(
            self.addresses.take(_client_address(scope)),
            "per client address for requests without a valid API key",
            self.addresses.per_minute,
        )


class RateLimit:
    """Authenticate each /graphql request (CSRF rule first for the session cookie) and charge it
    to its key's or address's bucket."""

    def __init__(self, app: ASGIApp, limits: RateLimits, path: str = "/graphql") -> None:
        self.app = app
        self.limits = limits
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or wants_graphiql(scope):
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        authorization = Headers(scope=scope).get("authorization")
        session = None if has_bearer(scope) else session_token(scope)
        if session is not None:
            refusal = csrf_refusal(scope, services.settings.public_url)
            if refusal is not None:
                await csrf_rejected(refusal)(scope, receive, send)
                return
        try:
            caller = await admit(self.limits, services, authorization, session, scope)
        except RateLimited as refused:
            await _refuse(429, refused, refused.retry_after)(scope, receive, send)
            return
        except Unavailable as down:
            await _refuse(503, down, RETRY_AFTER_SECONDS)(scope, receive, send)
            return
        scope.setdefault("state", {})[CALLER_STATE] = caller
        await self.app(scope, receive, send)


async def admit(
    limits: RateLimits,
    services: Services,
    authorization: str | None,
    session: str | None,
    scope: Scope,
) -> Caller:
    """The caller, once their bucket allowed the request; `RateLimited` otherwise. A request
    without credentials is charged before anything is looked up."""
    sent = bool(authorization and authorization.strip()) or session is not None
    if not sent:
        limits.charge_address(scope)
    caller = await authenticate(
        authorization,
        services.graph,
        anonymous_read=services.settings.allow_anonymous_read,
        session=session,
    )
    if caller.key_id is not None:
        keys = limits.keys
        _allow(keys.take(caller.key_id), "per API key", keys.per_minute)
    elif sent:
        limits.charge_address(scope)
    return caller


def _allow(wait: float, scope: str, per_minute: int) -> None:
    if wait > 0:
        raise RateLimited(
            f"Rate limit of {per_minute} requests per minute {scope} exceeded; retry in "
            f"{math.ceil(wait)} s",
            retry_after=max(1, math.ceil(wait)),
        )


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _refuse(status: int, error: DomainError, retry_after: int) -> JSONResponse:
    """A request-level GraphQL error (no `data`): the request did not run."""
    code = ErrorCode(error.code).value
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": {"code": code}}]},
        status_code=status,
        headers={"retry-after": str(retry_after)},
    )
