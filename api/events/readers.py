"""Whether a reader may see an event, decided when the event is delivered, not when the reader
subscribed: a revoked key, a removed membership or a registry role taken away stops the flow
within `REFRESH_SECONDS`. The decision is `api.authz.decide`'s, the one place that decides."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from api.authz import Action, Caller, allowed, authenticate
from graph.core.driver import Graph
from graph.core.errors import Unauthenticated
from graph.events.log import EventRecord

REFRESH_SECONDS = 2.0
"""How long one authentication and its access lookups are reused for a live reader."""


@dataclass(frozen=True)
class Credentials:
    """What a subscriber authenticated with: an `Authorization` value or a session token."""

    authorization: str | None = None
    session: str | None = None


@dataclass
class EventReader:
    """One subscriber's (or one request's) right to read events, re-checked as time passes."""

    graph: Graph
    credentials: Credentials
    anonymous_read: bool = False
    refresh_seconds: float = REFRESH_SECONDS
    _caller: Caller | None = field(default=None, init=False)
    _at: float = field(default=0.0, init=False)
    _decided: dict[tuple[str, str | None], bool] = field(default_factory=dict, init=False)

    @classmethod
    def of_caller(cls, graph: Graph, caller: Caller) -> EventReader:
        """A reader for one request whose caller is already authenticated: never refreshed."""
        reader = cls(graph, Credentials(), refresh_seconds=float("inf"))
        reader._caller = caller
        reader._at = time.monotonic()
        return reader

    async def caller(self) -> Caller:
        """The caller as of now (re-authenticated every `refresh_seconds`); `Unauthenticated`
        once the credentials are refused (revoked key, ended session)."""
        if self._caller is None or time.monotonic() - self._at > self.refresh_seconds:
            self._caller = await authenticate(
                self.credentials.authorization,
                self.graph,
                anonymous_read=self.anonymous_read,
                session=self.credentials.session,
            )
            self._at = time.monotonic()
            self._decided.clear()
        if self._caller.refused is not None:
            raise Unauthenticated(self._caller.refused)
        return self._caller

    async def may_read(self, event: EventRecord) -> bool:
        caller = await self.caller()
        key = (event.org, event.registry)
        decided = self._decided.get(key)
        if decided is None:
            decided = await allowed(caller, Action.READ, org=event.org, registry=event.registry)
            self._decided[key] = decided
        return decided


def connection_authorization(params: dict[str, object]) -> str | None:
    """The `Authorization` value in a `connection_init` payload: `Authorization` (any case),
    the same inside `headers` (what some clients send), or a bare `apiKey`."""
    for source in (params, params.get("headers")):
        if isinstance(source, dict):
            for key, value in source.items():
                if isinstance(key, str) and key.lower() == "authorization":
                    return value if isinstance(value, str) else ""
    key = params.get("apiKey")
    if isinstance(key, str):
        return f"Bearer {key}"
    return None
