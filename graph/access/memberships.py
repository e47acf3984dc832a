"""Organisation members: granted, changed and revoked by organisation admins, audited.

Every change locks the organisation node first, so concurrent changes serialise: an organisation
never loses its last admin and a user never holds two memberships of one organisation.
Removing a member also removes their roles on that organisation's registries (roles on
registries are granted by `graph.registry.roles`), so leaving a team loses all access to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.access.facts import ROLES
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from graph.core.tx import fetch_page
from graph.core.values import native_datetime, now


@dataclass(frozen=True)
class MemberRecord:
    """A user's role in an organisation."""

    user_id: str
    user_name: str
    org_id: str
    org_name: str
    role: str
    since: datetime


def _member(row: Any) -> MemberRecord:
    return MemberRecord(
        user_id=row["user_id"],
        user_name=row["user_name"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        role=row["role"],
        since=native_datetime(row["since"]) or now(),
    )


def _validate_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


LOCK_MEMBERSHIP: LiteralString = """
MATCH (o:Organization {name: $org})
SET o._lock = coalesce(o._lock, 0) + 1
WITH o
OPTIONAL MATCH (u:User {name: $user})
OPTIONAL MATCH (u)-[m:MEMBER_OF]->(o)
OPTIONAL MATCH (:User)-[a:MEMBER_OF {role: 'admin'}]->(o)
RETURN o.id AS org_id, u.id AS user_id, m.role AS role, count(a) AS admins
"""

CREATE_MEMBERSHIP: LiteralString = """
MATCH (o:Organization {id: $org_id}), (u:User {id: $user_id})
CREATE (u)-[m:MEMBER_OF {role: $role, since: $now}]->(o)
RETURN u.id AS user_id, u.name AS user_name, o.id AS org_id, o.name AS org_name,
       m.role AS role, m.since AS since
"""

SET_MEMBERSHIP_ROLE: LiteralString = """
MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(o:Organization {id: $org_id})
SET m.role = $role
RETURN u.id AS user_id, u.name AS user_name, o.id AS org_id, o.name AS org_name,
       m.role AS role, m.since AS since
"""

DELETE_MEMBERSHIP: LiteralString = """
MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(o:Organization {id: $org_id})
OPTIONAL MATCH (u)-[g:REGISTRY_ROLE]->(:Registry)<-[:HAS_REGISTRY]-(o)
DELETE m, g
"""

COUNT_MEMBERS: LiteralString = """
MATCH (:User)-[m:MEMBER_OF]->(:Organization {id: $org_id})
RETURN count(m) AS total
"""

MEMBERS_PAGE: LiteralString = """
MATCH (u:User)-[m:MEMBER_OF]->(o:Organization {id: $org_id})
RETURN u.id AS user_id, u.name AS user_name, o.id AS org_id, o.name AS org_name,
       m.role AS role, m.since AS since
ORDER BY u.name
SKIP $offset LIMIT $limit
"""

COUNT_MEMBERSHIPS: LiteralString = """
MATCH (:User {id: $user_id})-[m:MEMBER_OF]->(:Organization)
RETURN count(m) AS total
"""

MEMBERSHIPS_PAGE: LiteralString = """
MATCH (u:User {id: $user_id})-[m:MEMBER_OF]->(o:Organization)
RETURN u.id AS user_id, u.name AS user_name, o.id AS org_id, o.name AS org_name,
       m.role AS role, m.since AS since
ORDER BY o.name
SKIP $offset LIMIT $limit
"""


async def _locked(tx: AsyncManagedTransaction, org: str, user: str) -> dict[str, Any]:
    """Lock the organisation and read the user's membership; NotFound for either missing."""
    record = await (await tx.run(LOCK_MEMBERSHIP, org=org, user=user)).single()
    if record is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    if record["user_id"] is None:
        raise NotFound(f"User {user!r} not found", field="user")
    return record.data()


async def _audit(
    tx: AsyncManagedTransaction, state: dict[str, Any], actor: str, action: str, **details: Any
) -> None:
    await record_audit_tx(
        tx,
        org_id=state["org_id"],
        actor=actor,
        action=action,
        target_kind="user",
        target_id=state["user_id"],
        details=details,
    )


async def _add_member_tx(
    tx: AsyncManagedTransaction, org: str, user: str, role: str, actor: str
) -> MemberRecord:
    state = await _locked(tx, org, user)
    if state["role"] is not None:
        raise AlreadyExists(f"{user!r} is already a member of {org!r}", field="user")
    result = await tx.run(
        CREATE_MEMBERSHIP, org_id=state["org_id"], user_id=state["user_id"], role=role, now=now()
    )
    member = _member(await result.single(strict=True))
    await _audit(tx, state, actor, "member.add", user=user, role=role)
    return member


async def add_member(graph: Graph, org: str, user: str, role: str, *, actor: str) -> MemberRecord:
    """Make user `user` a member of `org` with `role`; `AlreadyExists` if they are one."""
    _validate_role(role)
    return await graph.write(_add_member_tx, org, user, role, actor)


def _refuse_losing_last_admin(state: dict[str, Any], org: str) -> None:
    if state["role"] == "admin" and state["admins"] <= 1:
        raise Conflict(f"{org!r} must keep at least one admin", field="user")


async def _set_role_tx(
    tx: AsyncManagedTransaction, org: str, user: str, role: str, actor: str
) -> MemberRecord:
    state = await _locked(tx, org, user)
    if state["role"] is None:
        raise NotFound(f"{user!r} is not a member of {org!r}", field="user")
    if role != "admin":
        _refuse_losing_last_admin(state, org)
    result = await tx.run(
        SET_MEMBERSHIP_ROLE, org_id=state["org_id"], user_id=state["user_id"], role=role
    )
    member = _member(await result.single(strict=True))
    await _audit(tx, state, actor, "member.role", user=user, role=role, previous=state["role"])
    return member


async def set_member_role(
    graph: Graph, org: str, user: str, role: str, *, actor: str
) -> MemberRecord:
    """Change a member's role; `Conflict` when that would leave `org` without an admin."""
    _validate_role(role)
    return await graph.write(_set_role_tx, org, user, role, actor)


async def _remove_tx(tx: AsyncManagedTransaction, org: str, user: str, actor: str) -> None:
    state = await _locked(tx, org, user)
    if state["role"] is None:
        raise NotFound(f"{user!r} is not a member of {org!r}", field="user")
    _refuse_losing_last_admin(state, org)
    await tx.run(DELETE_MEMBERSHIP, org_id=state["org_id"], user_id=state["user_id"])
    await _audit(tx, state, actor, "member.remove", user=user, previous=state["role"])


async def remove_member(graph: Graph, org: str, user: str, *, actor: str) -> None:
    """Remove a member and their registry roles in `org`; `Conflict` for the last admin."""
    await graph.write(_remove_tx, org, user, actor)


async def members_of(
    graph: Graph, org_id: str, offset: int, limit: int
) -> tuple[list[MemberRecord], int]:
    """One page of an organisation's members by user name, and the total."""
    rows, total = await graph.read(
        fetch_page, COUNT_MEMBERS, MEMBERS_PAGE, org_id=org_id, offset=offset, limit=limit
    )
    return [_member(row) for row in rows], total


async def memberships_of_user(
    graph: Graph, user_id: str, offset: int, limit: int
) -> tuple[list[MemberRecord], int]:
    """One page of the organisations a user belongs to, by name, and the total."""
    rows, total = await graph.read(
        fetch_page, COUNT_MEMBERSHIPS, MEMBERSHIPS_PAGE, user_id=user_id, offset=offset, limit=limit
    )
    return [_member(row) for row in rows], total
