"""The SDK's connection to a Lineage server: GraphQL over HTTP, synchronous for notebooks.

Settings come from arguments or the environment: `LINEAGE_URL` (default http://127.0.0.1:8000)
and `LINEAGE_API_KEY` (sent as `Authorization: Bearer <key>`).
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from lineage.errors import LineageError

DEFAULT_URL = "http://127.0.0.1:8000"


class Client:
    """One HTTP connection pool to the API; thread-safe, reuse it."""

    def __init__(
        self, url: str | None = None, api_key: str | None = None, timeout: float = 60.0
    ) -> None:
        self.url = (url or os.environ.get("LINEAGE_URL") or DEFAULT_URL).rstrip("/")
        key = api_key if api_key is not None else os.environ.get("LINEAGE_API_KEY")
        headers = {"authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query or mutation and return `data`; raise `LineageError` on any error."""
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        if response.status_code >= 500:
            raise LineageError("INTERNAL", f"server answered HTTP {response.status_code}")
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise LineageError("INTERNAL", f"server answered HTTP {response.status_code}") from None
        errors = body.get("errors")
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code", "INVALID_INPUT")
            raise LineageError(code, first.get("message", "request failed"))
        data: dict[str, Any] = body.get("data") or {}
        return data

    def mutate(self, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
        """Run a mutation and return its payload, raising its first typed error if any."""
        payload: dict[str, Any] = self.execute(query, variables)[field]
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
