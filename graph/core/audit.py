"""The audit trail: who created, deleted, linked, aliased or changed TTL, and when.

Call `record_audit_tx` inside the same write transaction as the change it describes, so an event
exists exactly when the change does. Inside `Graph.write` a transaction's entries are held and
written in one statement when its work returns (`with_pending_audit`): a link that records the
link and two alias moves pays one round trip for them, not three.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.held import Held
from graph.core.values import new_id, now

RECORD_AUDITS: LiteralString = """
UNWIND $entries AS entry
CREATE (e:AuditEvent {
  id: entry.id, org_id: entry.org_id, at: entry.at, actor: entry.actor, action: entry.action,
  target_kind: entry.target_kind, target_id: entry.target_id, details: entry.details
})
"""


async def _write_held(tx: AsyncManagedTransaction, entries: list[dict[str, Any]]) -> None:
    if entries:
        await (await tx.run(RECORD_AUDITS, entries=entries)).consume()


HELD_AUDIT: Held[list[dict[str, Any]]] = Held("lineage_held_audit", list, _write_held)
with_pending_audit = HELD_AUDIT.wrap
"""`work` with its audit entries written after it returns (`Graph.write` wraps every write)."""


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
    """Append one event; `action` is a verb such as `artifact_version.create`, `alias.move`.

    Inside `Graph.write` it is held and written when the work returns (see the module)."""
    entry: dict[str, Any] = {
        "id": new_id(),
        "org_id": org_id,
        "at": now(),
        "actor": actor,
        "action": action,
        "target_kind": target_kind,
        "target_id": target_id,
        "details": json.dumps(details or {}, sort_keys=True, default=str),
    }
    held = HELD_AUDIT.of(tx)
    if held is not None:
        held.append(entry)
        return
    await _write_held(tx, [entry])
