"""Registry roles: `(:User)-[:REGISTRY_ROLE {role, granted_at, granted_by}]->(:Registry)`.

This module stores and lists them; the access-control decision (`api.authz.decide`) reads the
same edges. A user holds at most one role per registry: granting again replaces it. Only members
of the registry's organisation may hold one (a registry role refines a membership): granting
locks the organisation as membership changes do, so a member removed meanwhile (which removes
their registry roles) never keeps one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import native_datetime, now
from graph.registry.records import RegistryRole


@dataclass(frozen=True)
class RegistryRoleRecord:
    user_id: str
    user_name: str
    role: RegistryRole
    granted_at: datetime | None
    granted_by: str | None


# Takes the organisation's lock (`graph.access.memberships` does the same for member changes).
LOCK_MEMBER: LiteralString = """
MATCH (o:Organization)-[:HAS_REGISTRY]->(:Registry {id: $registry_id})
SET o._lock = coalesce(o._lock, 0) + 1
WITH o
OPTIONAL MATCH (u:User {name: $user})-[:MEMBER_OF]->(o)
RETURN o.name AS org, u.id AS user_id
"""

GRANT_ROLE: LiteralString = """
MATCH (r:Registry {id: $registry_id})
MATCH (u:User {id: $user_id})
MERGE (u)-[g:REGISTRY_ROLE]->(r)
SET g.role = $role, g.granted_at = $now, g.granted_by = $actor
RETURN u.id AS user_id, u.name AS user_name, g.role AS role, g.granted_at AS granted_at,
       g.granted_by AS granted_by
"""

REVOKE_ROLE: LiteralString = """
MATCH (u:User {name: $user})-[g:REGISTRY_ROLE]->(r:Registry {id: $registry_id})
WITH u, g, g.role AS role
DELETE g
RETURN u.id AS user_id, role
"""

COUNT_ROLES: LiteralString = """
MATCH (:User)-[g:REGISTRY_ROLE]->(:Registry {id: $registry_id})
RETURN count(g) AS total
"""

ROLES: LiteralString = """
MATCH (u:User)-[g:REGISTRY_ROLE]->(:Registry {id: $registry_id})
RETURN u.id AS user_id, u.name AS user_name, g.role AS role, g.granted_at AS granted_at,
       g.granted_by AS granted_by
ORDER BY u.name
SKIP $offset LIMIT $limit
"""


def _role(row: dict[str, object]) -> RegistryRoleRecord:
    return RegistryRoleRecord(
        user_id=str(row["user_id"]),
        user_name=str(row["user_name"]),
        role=RegistryRole(row["role"]),
        granted_at=native_datetime(row.get("granted_at")),
        granted_by=None if row.get("granted_by") is None else str(row["granted_by"]),
    )


async def grant_registry_role(
    graph: Graph, *, org_id: str, registry_id: str, user: str, role: RegistryRole, actor: str
) -> RegistryRoleRecord:
    """Give `user` (by name) `role` in the registry, replacing any role they had there.

    `NotFound` "... is not a member of ..." for every name that is not a member of the
    registry's organisation, whether or not such a user exists.
    """

    async def work(tx: AsyncManagedTransaction) -> RegistryRoleRecord:
        member = await fetch_one(tx, LOCK_MEMBER, registry_id=registry_id, user=user)
        if member is None:
            raise NotFound("Registry not found", field="registry")
        if member["user_id"] is None:
            raise NotFound(f"{user!r} is not a member of {member['org']!r}", field="user")
        row = await fetch_one(
            tx,
            GRANT_ROLE,
            registry_id=registry_id,
            user_id=member["user_id"],
            role=role.value,
            now=now(),
            actor=actor,
        )
        if row is None:
            raise NotFound("Registry not found", field="registry")
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action="registry.role.grant",
            target_kind="Registry",
            target_id=registry_id,
            details={"user": user, "role": role.value},
        )
        return _role(row)

    return await graph.write(work)


async def revoke_registry_role(
    graph: Graph, *, org_id: str, registry_id: str, user: str, actor: str
) -> bool:
    """Remove `user`'s role in the registry; False when they had none."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        row = await fetch_one(tx, REVOKE_ROLE, registry_id=registry_id, user=user)
        if row is None:
            return False
        await record_audit_tx(
            tx,
            org_id=org_id,
            actor=actor,
            action="registry.role.revoke",
            target_kind="Registry",
            target_id=registry_id,
            details={"user": user, "role": row["role"]},
        )
        return True

    return await graph.write(work)


async def registry_roles(
    graph: Graph, registry_id: str, offset: int, limit: int
) -> tuple[list[RegistryRoleRecord], int]:
    """One page of the registry's role holders by user name, and how many there are."""

    async def work(tx: AsyncManagedTransaction) -> tuple[list[RegistryRoleRecord], int]:
        total = await fetch_one(tx, COUNT_ROLES, registry_id=registry_id)
        rows = await fetch_all(tx, ROLES, registry_id=registry_id, offset=offset, limit=limit)
        return [_role(row) for row in rows], int(total["total"] if total else 0)

    return await graph.read(work)
