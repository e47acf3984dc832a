"""The audit trail: who created, deleted, linked, aliased or changed TTL, and when.

Call `record_audit_tx` inside the same write transaction as the change it describes, so an event
exists exactly when the change does. Inside `Graph.write` a transaction's entries are held and
written in one statement when its work returns (`with_pending_audit`): a link that records the
link and two alias moves pays one round trip for them, not three.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar

from neo4j import AsyncManagedTransaction

from graph.core.values import new_id, now

RECORD_AUDIT: LiteralString = """
CREATE (e:AuditEvent {
  id: $id, org_id: $org_id, at: $at, actor: $actor, action: $action,
  target_kind: $target_kind, target_id: $target_id, details: $details
})
"""

RECORD_AUDITS: LiteralString = """
UNWIND $entries AS entry
CREATE (e:AuditEvent {
  id: entry.id, org_id: entry.org_id, at: entry.at, actor: entry.actor, action: entry.action,
  target_kind: entry.target_kind, target_id: entry.target_id, details: entry.details
})
"""

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class _Pending:
    """The audit entries a write transaction recorded, written together when its work is done."""

    tx: AsyncManagedTransaction
    entries: list[dict[str, Any]] = field(default_factory=list)


_pending: ContextVar[_Pending | None] = ContextVar("lineage_pending_audit", default=None)


def with_pending_audit(
    work: Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]],
) -> Callable[Concatenate[AsyncManagedTransaction, P], Awaitable[T]]:
    """`work` with its audit entries written after it returns, in the same transaction
    (`Graph.write` wraps every write so). A retried attempt starts with none held."""

    async def run(tx: AsyncManagedTransaction, /, *args: P.args, **kwargs: P.kwargs) -> T:
        pending = _Pending(tx)
        token = _pending.set(pending)
        try:
            result = await work(tx, *args, **kwargs)
        finally:
            _pending.reset(token)
        if pending.entries:
            await (await tx.run(RECORD_AUDITS, entries=pending.entries)).consume()
        return result

    return run


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
    pending = _pending.get()
    if pending is not None and pending.tx is tx:
        pending.entries.append(entry)
        return
    await tx.run(RECORD_AUDIT, entry)
