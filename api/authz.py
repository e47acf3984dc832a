"""Who is calling, and the single place that decides what they may do.

Every resolver that reaches data calls `context.authorize(action, org=..., registry=...)` before
touching it. Until identities exist (the access-control issue) every caller is anonymous and
allowed; that issue replaces `decide` and nothing else has to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Action(Enum):
    """What a resolver is about to do, from least to most privileged."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request (anonymous until API keys land)."""

    user_id: str | None = None
    name: str = "anonymous"
    roles: dict[str, str] = field(default_factory=dict)  # organisation name -> role

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Caller()


async def decide(caller: Caller, action: Action, *, org: str, registry: str | None = None) -> None:
    """Raise `Forbidden`/`Unauthenticated` unless `caller` may do `action` in that scope."""
    return None


async def authenticate(authorization: str | None, graph: object) -> Caller:
    """The caller named by an `Authorization: Bearer <key>` header (anonymous for now)."""
    return ANONYMOUS
