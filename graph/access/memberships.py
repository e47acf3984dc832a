"""Organisation members: granted, changed and revoked by organisation admins, audited.

Every change locks the organisation node first, so concurrent changes serialise: an organisation
never loses its last admin and a user never holds two memberships of one organisation.
Removing a member also removes their roles on that organisation's registries (roles on
registries are granted by `graph.registry.roles`, to members only), so leaving a team loses all
access to it.

User names are not public (only server admins list users), and anyone may found an organisation
and so administer one; the answers here therefore never tell a name nobody has from a user the
actor may not see. Adding a member with `seen_by` (the acting user) reaches only users who
share an organisation with the actor; any other name is "not found", whether it exists or not.
Changing or removing a member answers "not a member" for every name that is not one.
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
WITH o, u, m, count(a) AS admins
RETURN o.id AS org_id, u.id AS user_id, m.role AS role, admins,
       u IS NOT NULL AND ($seen_by IS NULL OR EXISTS {
         (u)-[:MEMBER_OF]->(:Organization)<-[:MEMBER_OF]-(:User {id: $seen_by})
       }) AS visible
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


async def _locked(
    tx: AsyncManagedTransaction, org: str, user: str, seen_by: str | None = None
) -> dict[str, Any]:
    """Lock the organisation and read the user's membership (`role` None for a name that is not
    a member, `visible` False for a user `seen_by` may not see); NotFound for a missing
    organisation."""
    record = await (await tx.run(LOCK_MEMBERSHIP, org=org, user=user, seen_by=seen_by)).single()
    if record is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    return record.data()


def _not_a_member(org: str, user: str) -> NotFound:
    """The one answer for every name that is not a member: unknown or not, the same words."""
    return NotFound(f"{user!r} is not a member of {org!r}", field="user")


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
    tx: AsyncManagedTransaction,
    org: str,
    user: str,
    role: str,
    actor: str,
    seen_by: str | None,
) -> MemberRecord:
    state = await _locked(tx, org, user, seen_by)
    if not state["visible"]:
        raise NotFound(f"User {user!r} not found", field="user")
    if state["role"] is not None:
        raise AlreadyExists(f"{user!r} is already a member of {org!r}", field="user")
    result = await tx.run(
        CREATE_MEMBERSHIP, org_id=state["org_id"], user_id=state["user_id"], role=role, now=now()
    )
    member = _member(await result.single(strict=True))
    await _audit(tx, state, actor, "member.add", user=user, role=role)
    return member


async def add_member(
    graph: Graph, org: str, user: str, role: str, *, actor: str, seen_by: str | None = None
) -> MemberRecord:
    """Make user `user` a member of `org` with `role`; `AlreadyExists` if they are one.

    With `seen_by` (a user id), only a user who shares an organisation with that user may be
    added: any other name is `NotFound` "User ... not found", exactly as a name nobody has. None
    (server admins, operators) reaches every user.
    """
    _validate_role(role)
    return await graph.write(_add_member_tx, org, user, role, actor, seen_by)


def _refuse_losing_last_admin(state: dict[str, Any], org: str) -> None:
    if state["role"] == "admin" and state["admins"] <= 1:
        raise Conflict(f"{org!r} must keep at least one admin", field="user")


async def _set_role_tx(
    tx: AsyncManagedTransaction, org: str, user: str, role: str, actor: str
) -> MemberRecord:
    state = await _locked(tx, org, user)
    if state["role"] is None:
        raise _not_a_member(org, user)
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
        raise _not_a_member(org, user)
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
