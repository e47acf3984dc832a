"""API keys: shown once, stored only as a sha256 hash, revocable, with a last-used time and an
optional expiry (a key past its `expires_at` authenticates nobody, like a revoked one).

A key reads `lin_<key id>_<secret>` where the secret holds 256 random bits, so a plain (unsalted)
sha256 is as strong as a slow hash here and lets a request find its key through the unique index
on `key_hash` in one lookup. Revocation takes effect on the next request: nothing is cached.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import InvalidInput, LimitExceeded, NotFound
from graph.core.tx import fetch_all, fetch_one, fetch_page
from graph.core.values import native_datetime, new_id, now

KEY_PREFIX = "lin_"
_KEY_FORMAT = re.compile(r"lin_([0-9a-f]{32})_([A-Za-z0-9_\-]{43})")
MAX_LABEL_LENGTH = 100
MAX_ACTIVE_KEYS = 100
TOUCH_INTERVAL = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, so busy keys cost no extra writes."""


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    user_id: str
    prefix: str
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: `secret` is the whole key, which is never stored nor shown again."""

    record: ApiKeyRecord
    secret: str = ""

    def __repr__(self) -> str:
        return f"NewApiKey(record={self.record!r}, secret=<hidden>)"


@dataclass(frozen=True)
class KeyOwner:
    """Who a valid, unrevoked key belongs to."""

    key_id: str
    user_id: str
    user_name: str
    is_server_admin: bool
    last_used_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id_of(key: str) -> str | None:
    """The key id inside a well-formed key, or None for anything else (checked before any query)."""
    match = _KEY_FORMAT.fullmatch(key)
    return None if match is None else match.group(1)


def _key(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        user_id=row["user_id"],
        prefix=row["prefix"],
        label=row["label"],
        created_at=native_datetime(row["created_at"]) or now(),
        last_used_at=native_datetime(row["last_used_at"]),
        revoked_at=native_datetime(row["revoked_at"]),
        expires_at=native_datetime(row["expires_at"]),
    )


def _validate_label(label: str | None) -> str | None:
    if label is None:
        return None
    if len(label) > MAX_LABEL_LENGTH or not label.isprintable():
        raise InvalidInput(
            f"label must be at most {MAX_LABEL_LENGTH} printable characters", field="label"
        )
    return label


def _validate_expiry(expires_at: datetime | None) -> datetime | None:
    """A future, timezone-aware instant in UTC (a naive time would be read in some zone)."""
    if expires_at is None:
        return None
    if expires_at.utcoffset() is None:
        raise InvalidInput(
            "expiresAt needs a timezone, e.g. 2030-01-01T00:00:00Z", field="expiresAt"
        )
    if expires_at <= now():
        raise InvalidInput("expiresAt must be in the future", field="expiresAt")
    return expires_at.astimezone(UTC)


LOCK_USER_KEYS: LiteralString = """
MATCH (u:User {id: $user_id})
SET u._lock = coalesce(u._lock, 0) + 1
RETURN COUNT {
  (u)<-[:KEY_OF]-(k:ApiKey)
  WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $now)
} AS active
"""

CREATE_API_KEY: LiteralString = """
MATCH (u:User {id: $user_id})
CREATE (k:ApiKey {id: $id, key_hash: $key_hash, prefix: $prefix, label: $label, created_at: $now,
                  expires_at: $expires_at})
CREATE (k)-[:KEY_OF]->(u)
RETURN k {.id, user_id: u.id, .prefix, .label, .created_at, .last_used_at, .revoked_at,
          .expires_at} AS key
"""

KEY_OWNER: LiteralString = """
MATCH (k:ApiKey {key_hash: $key_hash})-[:KEY_OF]->(u:User)
WHERE k.id = $id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $now)
RETURN k.id AS key_id, k.last_used_at AS last_used_at, u.id AS user_id, u.name AS user_name,
       u.is_server_admin = true AS is_server_admin
"""

TOUCH_KEY: LiteralString = """
MATCH (k:ApiKey {id: $id})
WHERE k.last_used_at IS NULL OR k.last_used_at < $stale_before
SET k.last_used_at = $now
"""

REVOKE_KEY: LiteralString = """
MATCH (k:ApiKey {id: $id})-[:KEY_OF]->(u:User)
WHERE u.id = $owner_id OR $any_owner
SET k.revoked_at = coalesce(k.revoked_at, $now)
RETURN k {.id, user_id: u.id, .prefix, .label, .created_at, .last_used_at, .revoked_at,
          .expires_at} AS key
"""

KEYS_BY_ID: LiteralString = """
UNWIND $ids AS id
MATCH (k:ApiKey {id: id})-[:KEY_OF]->(u:User)
RETURN k {.id, user_id: u.id, .prefix, .label, .created_at, .last_used_at, .revoked_at,
          .expires_at} AS key
"""

COUNT_KEYS_OF_USER: LiteralString = """
MATCH (:User {id: $user_id})<-[:KEY_OF]-(k:ApiKey)
RETURN count(k) AS total
"""

KEYS_OF_USER: LiteralString = """
MATCH (u:User {id: $user_id})<-[:KEY_OF]-(k:ApiKey)
RETURN k {.id, user_id: u.id, .prefix, .label, .created_at, .last_used_at, .revoked_at,
          .expires_at} AS key
ORDER BY k.created_at DESC, k.id
SKIP $offset LIMIT $limit
"""


async def create_api_key_tx(
    tx: AsyncManagedTransaction,
    user_id: str,
    label: str | None,
    expires_at: datetime | None = None,
) -> NewApiKey | None:
    """Create a key for user `user_id` inside the caller's transaction (None: no such user).

    `LimitExceeded` when the user already holds `MAX_ACTIVE_KEYS` active (unrevoked, unexpired)
    keys; the user node is locked first, so concurrent creations cannot overshoot.
    """
    locked = await (await tx.run(LOCK_USER_KEYS, user_id=user_id, now=now())).single()
    if locked is None:
        return None
    if locked["active"] >= MAX_ACTIVE_KEYS:
        raise LimitExceeded(
            f"A user may hold at most {MAX_ACTIVE_KEYS} active API keys; revoke one first"
        )
    key_id = new_id()
    secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    result = await tx.run(
        CREATE_API_KEY,
        user_id=user_id,
        id=key_id,
        key_hash=hash_key(secret),
        prefix=f"{KEY_PREFIX}{key_id[:8]}",
        label=label,
        now=now(),
        expires_at=expires_at,
    )
    record = await result.single()
    return None if record is None else NewApiKey(record=_key(record["key"]), secret=secret)


async def create_api_key(
    graph: Graph, user_id: str, label: str | None = None, *, expires_at: datetime | None = None
) -> NewApiKey:
    """A new key for the user, valid until `expires_at` (a future, timezone-aware time; None:
    until revoked); `NotFound` when the user does not exist."""
    _validate_label(label)
    expiry = _validate_expiry(expires_at)
    created = await graph.write(create_api_key_tx, user_id, label, expiry)
    if created is None:
        raise NotFound("User not found", field="user")
    return created


async def owner_of_key(graph: Graph, key: str) -> KeyOwner | None:
    """The owner of a valid, unrevoked key, or None. Malformed keys never reach the database."""
    key_id = key_id_of(key)
    if key_id is None:
        return None
    row = await graph.read_one(KEY_OWNER, key_hash=hash_key(key), id=key_id, now=now())
    if row is None:
        return None
    return KeyOwner(
        key_id=row["key_id"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        is_server_admin=bool(row["is_server_admin"]),
        last_used_at=native_datetime(row["last_used_at"]),
    )


async def touch_key(graph: Graph, owner: KeyOwner) -> None:
    """Record that the key was used, unless that was recorded within `TOUCH_INTERVAL`."""
    current = now()
    if owner.last_used_at is not None and current - owner.last_used_at < TOUCH_INTERVAL:
        return
    await graph.write(
        fetch_one, TOUCH_KEY, id=owner.key_id, stale_before=current - TOUCH_INTERVAL, now=current
    )


async def revoke_api_key(graph: Graph, key_id: str, *, owner_id: str | None) -> ApiKeyRecord:
    """Revoke a key of `owner_id` (any user's when None); idempotent, keeps the first time.

    `NotFound` when there is no such key of that owner, so other users' keys stay invisible.
    """
    row = await graph.write(
        fetch_one, REVOKE_KEY, id=key_id, owner_id=owner_id, any_owner=owner_id is None, now=now()
    )
    if row is None:
        raise NotFound("API key not found", field="id")
    return _key(row["key"])


async def keys_by_ids(graph: Graph, ids: list[str]) -> list[ApiKeyRecord | None]:
    rows = await graph.read(fetch_all, KEYS_BY_ID, ids=ids)
    found = {row["key"]["id"]: _key(row["key"]) for row in rows}
    return [found.get(i) for i in ids]


async def keys_of_user(
    graph: Graph, user_id: str, offset: int, limit: int
) -> tuple[list[ApiKeyRecord], int]:
    """One page of a user's keys, newest first (revoked ones included), and the total."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_KEYS_OF_USER,
        KEYS_OF_USER,
        user_id=user_id,
        offset=offset,
        limit=limit,
    )
    return [_key(row["key"]) for row in rows], total
