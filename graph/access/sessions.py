"""Browser sessions: a person signs in once with an API key and gets a session token instead
(sent back as an HttpOnly cookie), so the page never keeps the key.

A session is a `(:BrowserSession {token_hash, user_id, key_id, created_at, expires_at})` node
joined `-[:OPENED_WITH]->` to the `(:ApiKey)` it was opened with. Only the sha256 of the token is
stored (the token holds 256 random bits, so an unsalted hash lets a request find its session in
one index seek, as for API keys). A session authenticates only while it has not expired AND its
key is neither revoked nor expired, so revoking a key ends every session opened with it; signing
out deletes the node, so a replayed cookie finds nothing. Nothing lives in process memory:
replicas share sessions through Neo4j.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

from graph.access.api_keys import KeyOwner, hash_key, key_id_of
from graph.core.driver import Graph
from graph.core.tx import fetch_one
from graph.core.values import native_datetime, now

_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_\-]{43}")
MAX_SESSION_HOURS = 24 * 366
PRUNED_PER_SIGN_IN = 100
"""Expired sessions (anyone's) deleted after each sign-in: more than one sign-in can leave
behind, so expired sessions never pile up, and no sweeper is needed."""


@dataclass(frozen=True)
class NewSession:
    """A session just opened: `token` goes into the cookie and is never stored."""

    token: str
    owner: KeyOwner
    expires_at: datetime

    def __repr__(self) -> str:
        return f"NewSession(owner={self.owner!r}, expires_at={self.expires_at!r}, token=<hidden>)"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_well_formed(token: str) -> bool:
    """Whether `token` could be one of ours (checked before any query)."""
    return _TOKEN_FORMAT.fullmatch(token) is not None


OPEN_SESSION: LiteralString = """
MATCH (k:ApiKey {key_hash: $key_hash})-[:KEY_OF]->(u:User)
WHERE k.id = $key_id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $now)
CREATE (s:BrowserSession {token_hash: $token_hash, user_id: u.id, key_id: k.id,
                          created_at: $now, expires_at: $expires_at})
CREATE (s)-[:OPENED_WITH]->(k)
RETURN k.id AS key_id, k.last_used_at AS last_used_at, u.id AS user_id, u.name AS user_name,
       u.is_server_admin = true AS is_server_admin
"""

PRUNE_EXPIRED: LiteralString = """
MATCH (s:BrowserSession)
WHERE s.expires_at <= $now
WITH s LIMIT $limit
DETACH DELETE s
RETURN count(*) AS pruned
"""

SESSION_OWNER: LiteralString = """
MATCH (s:BrowserSession {token_hash: $token_hash})-[:OPENED_WITH]->(k:ApiKey)-[:KEY_OF]->(u:User)
WHERE s.expires_at > $now AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > $now)
RETURN k.id AS key_id, k.last_used_at AS last_used_at, u.id AS user_id, u.name AS user_name,
       u.is_server_admin = true AS is_server_admin
"""

CLOSE_SESSION: LiteralString = """
MATCH (s:BrowserSession {token_hash: $token_hash})
DETACH DELETE s
RETURN count(*) AS closed
"""


def _owner(row: dict[str, Any]) -> KeyOwner:
    return KeyOwner(
        key_id=row["key_id"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        is_server_admin=bool(row["is_server_admin"]),
        last_used_at=native_datetime(row["last_used_at"]),
    )


async def open_session(graph: Graph, key: str, *, hours: float) -> NewSession | None:
    """A new session for the owner of `key`, valid for `hours` (and no longer than the key);
    None when the key is malformed, unknown, revoked or expired (nothing is written then)."""
    key_id = key_id_of(key)
    if key_id is None:
        return None
    token = secrets.token_urlsafe(32)
    expires_at = now() + timedelta(hours=min(hours, MAX_SESSION_HOURS))
    row = await graph.write(
        fetch_one,
        OPEN_SESSION,
        key_hash=hash_key(key),
        key_id=key_id,
        token_hash=hash_token(token),
        now=now(),
        expires_at=expires_at,
    )
    if row is None:
        return None
    return NewSession(token=token, owner=_owner(row), expires_at=expires_at)


async def session_owner(graph: Graph, token: str) -> KeyOwner | None:
    """Who a live session belongs to (unexpired, its key unrevoked and unexpired), or None.
    Looked up on every request: nothing is cached."""
    if not is_well_formed(token):
        return None
    row = await graph.read_one(SESSION_OWNER, token_hash=hash_token(token), now=now())
    return None if row is None else _owner(row)


async def close_session(graph: Graph, token: str) -> bool:
    """Delete the session (sign-out); idempotent. Whether there was one to delete."""
    if not is_well_formed(token):
        return False
    row = await graph.write(fetch_one, CLOSE_SESSION, token_hash=hash_token(token))
    return row is not None and int(row["closed"]) > 0


async def prune_expired_sessions(graph: Graph, limit: int = PRUNED_PER_SIGN_IN) -> int:
    """Delete up to `limit` expired sessions (anyone's); how many. Idempotent; call it after
    each sign-in, outside the sign-in's transaction, so a failure here never refuses one."""
    row = await graph.write(fetch_one, PRUNE_EXPIRED, now=now(), limit=limit)
    return 0 if row is None else int(row["pruned"])
