"""Time to live: per-version expiry, an organisation default, and the sweep that applies them.

`ttl_seconds` counts from the version's creation; `expires_at` is derived from it. A TTL of 0 (or
none) keeps the version forever. A new version with no explicit TTL takes the organisation's
`default_ttl_seconds`. Expiry deletes the version (dropping its aliases, recorded in their history
and the audit trail) except while it is linked into a registry collection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.delete_version import delete_version_tx
from graph.artifacts.drafts import delete_draft
from graph.artifacts.fields import validate_ttl
from graph.artifacts.records import VERSION_FIELDS, VersionRecord, version_record
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import DomainError, NotFound
from graph.core.tx import fetch_all, fetch_one

log = logging.getLogger("lineage.ttl")

SYSTEM_TTL = "system:ttl"


@dataclass(frozen=True)
class TtlPolicy:
    default_ttl_seconds: int | None
    admins_only: bool


ORG_POLICY: LiteralString = """
MATCH (o:Organization {name: $org})
RETURN o.default_ttl_seconds AS default_ttl, coalesce(o.ttl_admins_only, false) AS admins_only
"""

SET_ORG_POLICY: LiteralString = """
MATCH (o:Organization {name: $org})
SET o.default_ttl_seconds = $default_ttl, o.ttl_admins_only = $admins_only
RETURN o.id AS org_id
"""

SET_VERSION_TTL: LiteralString = (
    """
MATCH (v:ArtifactVersion {id: $version_id})
WHERE v.state = 'COMMITTED'
OPTIONAL MATCH (o:Organization {id: v.org_id})
WITH v, o, CASE WHEN $inherit THEN o.default_ttl_seconds ELSE $ttl END AS ttl
SET v.ttl_seconds = CASE WHEN ttl IS NULL OR ttl = 0 THEN null ELSE ttl END,
    v.expires_at = CASE WHEN ttl IS NULL OR ttl = 0 THEN null
                        ELSE v.created_at + duration({seconds: ttl}) END
RETURN """
    + VERSION_FIELDS
    + " AS version"
)

EXPIRED_VERSIONS: LiteralString = """
MATCH (v:ArtifactVersion)
WHERE v.expires_at <= $now AND v.state = 'COMMITTED'
  AND ($org IS NULL OR v.org_name = $org)
  AND NOT EXISTS { (v)-[:LINKED_TO]->() }
RETURN v.id AS id
ORDER BY v.expires_at
LIMIT $limit
"""

STILL_EXPIRED: LiteralString = """
MATCH (v:ArtifactVersion {id: $version_id})
WHERE v.expires_at <= $now AND v.state = 'COMMITTED'
RETURN v.id AS id
"""

EXPIRED_DRAFTS: LiteralString = """
MATCH (d:ArtifactVersion {state: 'PENDING'})
WHERE d.draft_expires_at <= $now AND ($org IS NULL OR d.org_name = $org)
RETURN d.id AS id
LIMIT $limit
"""


async def organization_policy(graph: Graph, org: str) -> TtlPolicy | None:
    """The organisation's TTL policy, or None when the organisation does not exist."""
    row = await graph.read(fetch_one, ORG_POLICY, org=org)
    if row is None:
        return None
    return TtlPolicy(row["default_ttl"], bool(row["admins_only"]))


async def _set_policy_tx(
    tx: AsyncManagedTransaction, org: str, policy: TtlPolicy, actor: str
) -> None:
    record = await (
        await tx.run(
            SET_ORG_POLICY,
            org=org,
            default_ttl=policy.default_ttl_seconds or None,
            admins_only=policy.admins_only,
        )
    ).single()
    if record is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    await record_audit_tx(
        tx,
        org_id=record["org_id"],
        actor=actor,
        action="organization.ttl_policy",
        target_kind="Organization",
        target_id=record["org_id"],
        details={
            "default_ttl_seconds": policy.default_ttl_seconds,
            "admins_only": policy.admins_only,
        },
    )


async def set_organization_policy(
    graph: Graph, org: str, policy: TtlPolicy, *, actor: str
) -> TtlPolicy:
    """Set the default TTL of new versions (None or 0: keep forever) and who may change TTLs.

    Existing versions keep their expiry.
    """
    validate_ttl(policy.default_ttl_seconds, field="defaultTtlSeconds")
    await graph.write(_set_policy_tx, org, policy, actor)
    return TtlPolicy(policy.default_ttl_seconds or None, policy.admins_only)


async def _set_version_ttl_tx(
    tx: AsyncManagedTransaction, version_id: str, ttl: int | None, actor: str
) -> VersionRecord:
    record = await (
        await tx.run(SET_VERSION_TTL, version_id=version_id, ttl=ttl, inherit=ttl is None)
    ).single()
    if record is None:
        raise NotFound("Version not found", field="versionId")
    version = version_record(record["version"])
    await record_audit_tx(
        tx,
        org_id=version.org_id,
        actor=actor,
        action="artifact_version.ttl",
        target_kind="ArtifactVersion",
        target_id=version_id,
        details={"ttl_seconds": version.ttl_seconds, "expires_at": version.expires_at},
    )
    return version


async def set_version_ttl(
    graph: Graph, version_id: str, ttl_seconds: int | None, *, actor: str
) -> VersionRecord:
    """Set a version's TTL from its creation: None inherits the organisation default, 0 keeps
    it forever. A TTL already past expires it at the next sweep."""
    validate_ttl(ttl_seconds)
    return await graph.write(_set_version_ttl_tx, version_id, ttl_seconds, actor)


async def _expire_tx(tx: AsyncManagedTransaction, version_id: str, now: datetime) -> bool:
    if await (await tx.run(STILL_EXPIRED, version_id=version_id, now=now)).single() is None:
        return False
    return await delete_version_tx(
        tx,
        version_id=version_id,
        actor=SYSTEM_TTL,
        drop_aliases=True,
        action="artifact_version.expire",
    )


async def expire_versions(
    graph: Graph, now: datetime, *, org: str | None = None, batch: int = 500
) -> list[str]:
    """Delete every committed version whose `expires_at` is at or before `now` (optionally only
    in one organisation); return their ids. Each is its own transaction, so one failure (say, a
    version linked meanwhile) leaves the others expired."""
    expired: list[str] = []
    while True:
        rows = await graph.read(fetch_all, EXPIRED_VERSIONS, now=now, org=org, limit=batch)
        progressed = False
        for row in rows:
            try:
                if await graph.write(_expire_tx, row["id"], now):
                    expired.append(row["id"])
                    progressed = True
            except DomainError as error:
                log.info("version not expired", extra={"id": row["id"], "reason": error.message})
        if len(rows) < batch or not progressed:
            return expired


async def expire_drafts(
    graph: Graph,
    now: datetime,
    *,
    org: str | None = None,
    batch: int = 500,
    discard: Callable[[str], Awaitable[bool]] | None = None,
) -> int:
    """Delete drafts left uncommitted past their deadline (with `discard`, which also drops what
    they uploaded, else with `delete_draft`); return how many."""
    deleted = 0
    while True:
        rows = await graph.read(fetch_all, EXPIRED_DRAFTS, now=now, org=org, limit=batch)
        for row in rows:
            if discard is None:
                deleted += int(await delete_draft(graph, row["id"]))
            else:
                deleted += int(await discard(row["id"]))
        if len(rows) < batch:
            return deleted
