"""The SDK's connection to a Lineage server: GraphQL over HTTP, synchronous for notebooks.

Settings come from arguments or the environment: `LINEAGE_URL` (default http://127.0.0.1:8000;
the server's base URL, or its `/graphql` endpoint) and `LINEAGE_API_KEY` (sent as
`Authorization: Bearer <key>`).

A server that cannot be reached is a `LineageError` with code `UNAVAILABLE` naming the URL, after
a few retries with backoff. Queries are retried on any network error and on HTTP 502-504;
mutations only when the connection could not even be opened (the server never saw them), so a
mutation is never applied twice by a retry.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import httpx

from lineage.errors import LineageError

DEFAULT_URL = "http://127.0.0.1:8000"
RETRIES = 3
"""Attempts after the first when the failure may pass; waits 0.25 s, 0.5 s, 1 s between them."""
BACKOFF_SECONDS = 0.25
_PASSING_STATUSES = frozenset({502, 503, 504})
_RATE_LIMITED = 429
MAX_RETRY_AFTER_SECONDS = 30.0
"""The longest a server's Retry-After is honoured for; a longer one fails at once instead."""
_MUTATION = re.compile(r"\s*(?:#[^\n]*\n\s*)*mutation\b")


def _wait(response: httpx.Response, attempt: int) -> float | None:
    """The server's Retry-After in seconds, else the backoff; None when it asks for longer
    than MAX_RETRY_AFTER_SECONDS (better an error now than a call that hangs for minutes)."""
    try:
        asked = max(float(response.headers.get("retry-after", "")), 0.0)
    except ValueError:
        return float(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return asked if asked <= MAX_RETRY_AFTER_SECONDS else None


def base_url(url: str) -> str:
    """The server's base URL from what a user wrote: trailing `/` and a `/graphql` endpoint
    path are dropped, so `LINEAGE_URL=http://host:8000/graphql` works as well."""
    base = url.strip().rstrip("/")
    if base.endswith("/graphql"):
        base = base[: -len("/graphql")].rstrip("/")
    return base


def is_mutation(document: str) -> bool:
    """Whether a GraphQL document (one operation, as the SDK sends) is a mutation."""
    return _MUTATION.match(document) is not None


class Client:
    """One HTTP connection pool to the API; thread-safe, reuse it."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        *,
        retries: int = RETRIES,
    ) -> None:
        self.url = base_url(url or os.environ.get("LINEAGE_URL") or DEFAULT_URL)
        self.endpoint = f"{self.url}/graphql"
        self.retries = max(0, retries)
        key = api_key if api_key is not None else os.environ.get("LINEAGE_API_KEY")
        headers = {"authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Run a query or mutation and return `data`; raise `LineageError` on any error.

        `idempotent` (default: true for queries, false for mutations) allows retrying after a
        network error or HTTP 502-504 that may have reached the server; see the module doc. A
        429 (rate limited) is retried for any call, after the server's Retry-After.
        """
        repeatable = not is_mutation(query) if idempotent is None else idempotent
        body = {"query": query, "variables": variables or {}}
        attempt = 0
        while True:
            try:
                response = self.http.post("/graphql", json=body)
            except httpx.TransportError as error:
                never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
                if attempt < self.retries and (repeatable or never_sent):
                    attempt += 1
                    time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
                    continue
                raise self._unreachable(error, never_sent) from error
            # A 429 is answered before anything runs, so even a mutation may be sent again.
            status = response.status_code
            wait = _wait(response, attempt + 1)
            if (
                attempt < self.retries
                and wait is not None
                and (status == _RATE_LIMITED or (status in _PASSING_STATUSES and repeatable))
            ):
                attempt += 1
                time.sleep(wait)
                continue
            return self._data(response)

    def _unreachable(self, error: httpx.TransportError, never_sent: bool) -> LineageError:
        reason = str(error) or type(error).__name__
        if never_sent:
            message = f"cannot reach the Lineage API at {self.endpoint}: {reason}"
        else:
            message = (
                f"lost the connection to the Lineage API at {self.endpoint} ({reason}); "
                "a mutation may or may not have been applied"
            )
        return LineageError("UNAVAILABLE", message, url=self.endpoint)

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        try:
            body: object = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("errors"):
            first = body["errors"][0]
            code = (first.get("extensions") or {}).get("code", "INVALID_INPUT")
            raise LineageError(code, first.get("message", "request failed"))
        if status == 404 or (status < 500 and not isinstance(body, dict)):
            raise LineageError(
                "UNAVAILABLE",
                f"no Lineage API at {self.endpoint} (HTTP {status}); LINEAGE_URL should be the "
                "server's base URL, e.g. http://127.0.0.1:8000",
                url=self.endpoint,
            )
        if status >= 300 or not isinstance(body, dict):
            code = "UNAVAILABLE" if status in _PASSING_STATUSES else "INTERNAL"
            raise LineageError(code, f"{self.endpoint} answered HTTP {status}", url=self.endpoint)
        data: dict[str, Any] = body.get("data") or {}
        return data

    def mutate(
        self, query: str, variables: dict[str, Any], field: str, *, idempotent: bool = False
    ) -> dict[str, Any]:
        """Run a mutation and return its payload, raising its first typed error if any.

        `idempotent=True` for a mutation that may safely be sent twice (see `execute`)."""
        payload: dict[str, Any] = self.execute(query, variables, idempotent=idempotent)[field]
        errors = payload.get("errors") or []
        if errors:
            raise LineageError(errors[0]["code"], errors[0]["message"], errors[0].get("field"))
        return payload

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_default: Client | None = None


def default_client() -> Client:
    """The process-wide client built from the environment on first use."""
    global _default
    if _default is None:
        _default = Client()
    return _default


def configure(url: str | None = None, api_key: str | None = None) -> Client:
    """Point the SDK at a server (otherwise `LINEAGE_URL`/`LINEAGE_API_KEY` are used)."""
    global _default
    if _default is not None:
        _default.close()
    _default = Client(url, api_key)
    return _default
