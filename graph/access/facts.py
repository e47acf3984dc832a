"""What a user may do in an organisation: one lookup per (organisation, registry), and claims.

Roles: `(:User)-[:MEMBER_OF {role}]->(:Organization)` and
`(:User)-[:REGISTRY_ROLE {role}]->(:Registry)`, role one of `viewer` < `member` < `admin`.

Organisations are created on first use (a project or artifact logged into a new name). The user
who does that must become the new organisation's admin, and nobody else may slip in between, yet
the code creating it (`graph.access.orgs`) knows nothing about users. So authorisation *claims* a
name
that does not exist yet, `(:OrgClaim {org_name, user_id, at})` (unique per name), before the
write, and turns the claim into an admin membership on the claimant's next authorisation once the
organisation exists (`settle_claim`). A claim on a name that never got created goes stale after
`CLAIM_TTL` and may then be taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now

ROLES = ("viewer", "member", "admin")
"""Organisation and registry roles, least privileged first."""

CLAIM_TTL = timedelta(minutes=10)


def role_rank(role: str | None) -> int:
    """0 for no role, then 1..3 in the order of `ROLES`."""
    return ROLES.index(role) + 1 if role in ROLES else 0


@dataclass(frozen=True)
class Access:
    """The facts one authorisation needs, read in one snapshot."""

    org_exists: bool
    org_role: str | None
    claimed_by: str | None
    registry_exists: bool
    registry_visibility: str | None
    registry_role: str | None


ACCESS: LiteralString = """
OPTIONAL MATCH (o:Organization {name: $org})
OPTIONAL MATCH (:User {id: $user_id})-[m:MEMBER_OF]->(o)
OPTIONAL MATCH (c:OrgClaim {org_name: $org})
OPTIONAL MATCH (o)-[:HAS_REGISTRY]->(r:Registry {name: $registry})
OPTIONAL MATCH (:User {id: $user_id})-[g:REGISTRY_ROLE]->(r)
RETURN o IS NOT NULL AS org_exists, m.role AS org_role, c.user_id AS claimed_by,
       r IS NOT NULL AS registry_exists, r.visibility AS visibility, g.role AS registry_role
LIMIT 1
"""

CLAIM: LiteralString = """
MERGE (c:OrgClaim {org_name: $org})
ON CREATE SET c.user_id = $user_id, c.at = $now
WITH c
OPTIONAL MATCH (o:Organization {name: $org})
WITH c, o, (c.user_id = $user_id OR c.at < $stale_before) AND o IS NULL AS take
SET c.user_id = CASE WHEN take THEN $user_id ELSE c.user_id END,
    c.at = CASE WHEN take THEN $now ELSE c.at END
RETURN c.user_id = $user_id AS held, o IS NOT NULL AS org_exists
"""

LOCK_CLAIMED_ORG: LiteralString = """
MATCH (o:Organization {name: $org})
SET o._lock = coalesce(o._lock, 0) + 1
WITH o
MATCH (c:OrgClaim {org_name: $org, user_id: $user_id})
MATCH (u:User {id: $user_id})
OPTIONAL MATCH (u)-[m:MEMBER_OF]->(o)
RETURN o.id AS org_id, u.name AS user_name, m.role AS role
"""

GRANT_FOUNDER: LiteralString = """
MATCH (o:Organization {id: $org_id}), (u:User {id: $user_id})
CREATE (u)-[:MEMBER_OF {role: 'admin', since: $now}]->(o)
"""

DELETE_CLAIM: LiteralString = """
MATCH (c:OrgClaim {org_name: $org, user_id: $user_id})
DELETE c
"""

SETTLEABLE_CLAIMS: LiteralString = """
MATCH (c:OrgClaim {user_id: $user_id})
MATCH (:Organization {name: c.org_name})
RETURN c.org_name AS org
"""


async def access_of(graph: Graph, user_id: str, org: str, registry: str | None) -> Access:
    """The user's roles in `org` (and `registry` of it), and whether those exist."""
    row = await graph.read_one(ACCESS, user_id=user_id, org=org, registry=registry)
    assert row is not None  # OPTIONAL MATCH always yields one row
    return Access(
        org_exists=bool(row["org_exists"]),
        org_role=row["org_role"],
        claimed_by=row["claimed_by"],
        registry_exists=bool(row["registry_exists"]),
        registry_visibility=row["visibility"],
        registry_role=row["registry_role"],
    )


async def claim_organization(graph: Graph, user_id: str, org: str) -> tuple[bool, bool]:
    """Claim the not-yet-existing organisation `org` for `user_id`.

    Returns `(held, org_exists)`: whether the user now holds the claim (fresh, own, or taken over
    from a stale one) and whether the organisation exists after all (then the caller must
    authorise as for any existing organisation).
    """
    current = now()
    row = await graph.write(
        fetch_one,
        CLAIM,
        org=org,
        user_id=user_id,
        now=current,
        stale_before=current - CLAIM_TTL,
    )
    assert row is not None
    return bool(row["held"]), bool(row["org_exists"])


async def _settle_claim_tx(tx: AsyncManagedTransaction, user_id: str, org: str) -> str | None:
    record = await (await tx.run(LOCK_CLAIMED_ORG, org=org, user_id=user_id)).single()
    if record is None:
        return None
    role: str | None = record["role"]
    if role is None:
        await tx.run(GRANT_FOUNDER, org_id=record["org_id"], user_id=user_id, now=now())
        await record_audit_tx(
            tx,
            org_id=record["org_id"],
            actor=record["user_name"],
            action="member.add",
            target_kind="user",
            target_id=user_id,
            details={"role": "admin", "reason": "created the organization"},
        )
        role = "admin"
    await tx.run(DELETE_CLAIM, org=org, user_id=user_id)
    return role


async def settle_claim(graph: Graph, user_id: str, org: str) -> str | None:
    """Turn the user's claim on the now-existing `org` into admin membership.

    Returns the user's role afterwards, or None when the user holds no claim on an existing
    organisation of that name. Idempotent; serialised on the organisation.
    """
    return await graph.write(_settle_claim_tx, user_id, org)


async def settle_claims_of_user(graph: Graph, user_id: str) -> None:
    """Settle every claim of the user whose organisation now exists (for membership listings)."""
    rows = await graph.read(fetch_all, SETTLEABLE_CLAIMS, user_id=user_id)
    for row in rows:
        await settle_claim(graph, user_id, row["org"])
