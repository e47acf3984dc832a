"""Reading the audit trail of one organisation: newest first, filtered, paged in the database.

Events are written by `graph.core.audit.record_audit_tx` inside the transaction of the change they
describe; this module only reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, LiteralString, cast

from graph.core.driver import Graph
from graph.core.tx import fetch_page
from graph.core.values import native_datetime, now


@dataclass(frozen=True)
class AuditFilter:
    """Every given field must match exactly; `since` is inclusive, `until` exclusive."""

    action: str | None = None
    actor: str | None = None
    target_kind: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEventRecord:
    id: str
    org_id: str
    at: datetime
    actor: str
    action: str
    target_kind: str
    target_id: str
    details: dict[str, Any] = field(default_factory=dict)


def _event(row: Any) -> AuditEventRecord:
    details: Any
    try:
        details = json.loads(row["details"]) if row["details"] else {}
    except (TypeError, ValueError):
        details = {"raw": row["details"]}
    return AuditEventRecord(
        id=row["id"],
        org_id=row["org_id"],
        at=native_datetime(row["at"]) or now(),
        actor=row["actor"],
        action=row["action"],
        target_kind=row["target_kind"],
        target_id=row["target_id"],
        details=cast(dict[str, Any], details) if isinstance(details, dict) else {"value": details},
    )


_MATCH: LiteralString = """
MATCH (e:AuditEvent)
WHERE e.org_id = $org_id AND e.at IS NOT NULL  // so the (org_id, at) index serves it
  AND ($since IS NULL OR e.at >= $since)
  AND ($until IS NULL OR e.at < $until)
  AND ($action IS NULL OR e.action = $action)
  AND ($actor IS NULL OR e.actor = $actor)
  AND ($target_kind IS NULL OR e.target_kind = $target_kind)
  AND ($target_id IS NULL OR e.target_id = $target_id)
"""

COUNT_EVENTS: LiteralString = _MATCH + "RETURN count(e) AS total"

EVENTS_PAGE: LiteralString = (
    _MATCH
    + """
RETURN e {.id, .org_id, .at, .actor, .action, .target_kind, .target_id, .details} AS event
ORDER BY e.at DESC, e.id DESC
SKIP $offset LIMIT $limit
"""
)


def _utc(value: datetime | None) -> datetime | None:
    """As a fixed UTC offset: Neo4j does not order a zone-named `[UTC]` time (what `pytz` values
    become) against the offset times stored; a naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


async def audit_events(
    graph: Graph, org_id: str, where: AuditFilter, offset: int, limit: int
) -> tuple[list[AuditEventRecord], int]:
    """One page of an organisation's events, newest first (ties by id), and the total matching."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_EVENTS,
        EVENTS_PAGE,
        org_id=org_id,
        since=_utc(where.since),
        until=_utc(where.until),
        action=where.action,
        actor=where.actor,
        target_kind=where.target_kind,
        target_id=where.target_id,
        offset=offset,
        limit=limit,
    )
    return [_event(row["event"]) for row in rows], total
