"""The audit trail: who created, deleted, linked, aliased or changed TTL, and when.

Call `record_audit_tx` inside the same write transaction as the change it describes, so an event
exists exactly when the change does.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.values import new_id, now

RECORD_AUDIT: LiteralString = """
CREATE (e:AuditEvent {
  id: $id, org_id: $org_id, at: $at, actor: $actor, action: $action,
  target_kind: $target_kind, target_id: $target_id, details: $details
})
"""


async def record_audit_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    actor: str,
    action: str,
    target_kind: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event; `action` is a verb such as `artifact_version.create`, `alias.move`."""
    await tx.run(
        RECORD_AUDIT,
        id=new_id(),
        org_id=org_id,
        at=now(),
        actor=actor,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        details=json.dumps(details or {}, sort_keys=True, default=str),
    )
