"""Users: who can hold API keys, belong to organisations and act on their data.

A user is `(:User {id, name, created_at, is_server_admin})`; names are unique and follow the same
rules as every other name (`graph.core.names`). Server admins may do anything on the server;
everyone
else gets rights only through memberships (`graph.access.memberships`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph.access.api_keys import NewApiKey, create_api_key_tx
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists
from graph.core.names import validate_name
from graph.core.tx import fetch_all, fetch_one, fetch_page
from graph.core.values import native_datetime, new_id, now


@dataclass(frozen=True)
class UserRecord:
    id: str
    name: str
    created_at: datetime
    is_server_admin: bool


def user_from_row(row: Any) -> UserRecord:
    return UserRecord(
        id=row["id"],
        name=row["name"],
        created_at=native_datetime(row["created_at"]) or now(),
        is_server_admin=bool(row["is_server_admin"]),
    )


CREATE_USER: LiteralString = """
CREATE (u:User {id: $id, name: $name, created_at: $now, is_server_admin: $is_server_admin})
RETURN u {.id, .name, .created_at, is_server_admin: u.is_server_admin = true} AS user
"""

USER_BY_NAME: LiteralString = """
MATCH (u:User {name: $name})
RETURN u {.id, .name, .created_at, is_server_admin: u.is_server_admin = true} AS user
"""

USERS_BY_ID: LiteralString = """
UNWIND $ids AS id
MATCH (u:User {id: id})
RETURN u {.id, .name, .created_at, is_server_admin: u.is_server_admin = true} AS user
"""

COUNT_USERS: LiteralString = "MATCH (u:User) RETURN count(u) AS total"

USERS_PAGE: LiteralString = """
MATCH (u:User)
RETURN u {.id, .name, .created_at, is_server_admin: u.is_server_admin = true} AS user
ORDER BY u.name
SKIP $offset LIMIT $limit
"""

# The schema node every process MERGEs at bootstrap; locking it serialises first starts.
LOCK_SERVER: LiteralString = """
MERGE (s:LineageSchema {id: 'lineage'})
SET s._lock = coalesce(s._lock, 0) + 1
WITH s
OPTIONAL MATCH (u:User)
RETURN count(u) AS users
"""


async def _create_user_tx(
    tx: AsyncManagedTransaction, name: str, is_server_admin: bool, with_key: bool
) -> tuple[UserRecord, NewApiKey | None]:
    result = await tx.run(
        CREATE_USER, id=new_id(), name=name, now=now(), is_server_admin=is_server_admin
    )
    record = await result.single(strict=True)
    user = user_from_row(record["user"])
    key = await create_api_key_tx(tx, user.id, "initial key") if with_key else None
    return user, key


async def create_user(
    graph: Graph, name: str, *, is_server_admin: bool = False, with_key: bool = False
) -> tuple[UserRecord, NewApiKey | None]:
    """Create a user (and, with `with_key`, its first API key in the same transaction).

    `AlreadyExists` when the name is taken; invalid names are refused before any write.
    """
    validate_name(name, field="name")
    try:
        return await graph.write(_create_user_tx, name, is_server_admin, with_key)
    except ConstraintError:
        raise AlreadyExists(f"User {name!r} already exists", field="name") from None


async def _first_admin_tx(
    tx: AsyncManagedTransaction, name: str
) -> tuple[UserRecord, NewApiKey | None] | None:
    record = await (await tx.run(LOCK_SERVER)).single(strict=True)
    if int(record["users"]) > 0:
        return None
    return await _create_user_tx(tx, name, True, True)


async def create_first_admin(graph: Graph, name: str = "admin") -> NewApiKey | None:
    """On a server without any user, create server admin `name` with one API key.

    Returns the key (the only time its secret exists in clear) or None when any user already
    exists. Concurrent first starts serialise on the schema node, so at most one admin is made.
    """
    validate_name(name, field="name")
    created = await graph.write(_first_admin_tx, name)
    return None if created is None else created[1]


async def user_by_name(graph: Graph, name: str) -> UserRecord | None:
    row = await graph.read(fetch_one, USER_BY_NAME, name=name)
    return None if row is None else user_from_row(row["user"])


async def users_by_ids(graph: Graph, ids: list[str]) -> list[UserRecord | None]:
    """One round trip for many ids; results in the order of `ids`, None where absent."""
    rows = await graph.read(fetch_all, USERS_BY_ID, ids=ids)
    found = {row["user"]["id"]: user_from_row(row["user"]) for row in rows}
    return [found.get(i) for i in ids]


async def list_users(graph: Graph, offset: int, limit: int) -> tuple[list[UserRecord], int]:
    """One page of all users by name, and how many there are."""
    rows, total = await graph.read(fetch_page, COUNT_USERS, USERS_PAGE, offset=offset, limit=limit)
    return [user_from_row(row["user"]) for row in rows], total
