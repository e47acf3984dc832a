"""The delivery queue on the real Neo4j: fan-out once per event and webhook whatever the
concurrency, claims that never overlap, leases, results only from the lease holder, disabling
after consecutive failures (audited) and resuming.

Other test processes' API servers run webhook workers on the same database, so assertions
hold whoever else claims: claims here are scoped to this test's webhooks, and nothing assumes
that only this test attempted a delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from neo4j import AsyncManagedTransaction

from graph.access.orgs import ensure_organization
from graph.core.driver import Graph
from graph.core.events import EventSubject, EventType, record_event_tx
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import new_id, now
from graph.events import delivery_log, webhooks
from graph.events.deliveries import (
    AttemptResult,
    DeliveryState,
    claim_due,
    fan_out,
    record_results,
)
from graph.events.filters import EventFilter
from graph.events.log import log_bounds
from graph.events.webhooks import WebhookChange

URL = "https://hooks.example.com/lineage"


async def _event(graph: Graph, org_id: str, type: EventType, project: str = "p") -> int:
    async def work(tx: AsyncManagedTransaction) -> None:
        await record_event_tx(
            tx,
            org_id=org_id,
            type=type,
            actor="tester",
            subject=EventSubject(kind="Run", id=new_id(), project=project),
        )

    await graph.write(work)
    return (await log_bounds(graph, org_id)).last_seq


async def _webhook(graph: Graph, org: str, **kwargs: object) -> webhooks.WebhookRecord:
    return await webhooks.create_webhook(
        graph,
        webhook_id=new_id(),
        org=org,
        url=URL,
        sealed_secret="sealed",
        actor="tester",
        **kwargs,  # type: ignore[arg-type]
    )


async def _deliveries(graph: Graph, webhook_id: str) -> list[dict[str, object]]:
    return await graph.read(
        fetch_all,
        "MATCH (d:WebhookDelivery {webhook_id: $id}) "
        "RETURN d.event_id AS event_id, d.event_type AS type, d.state AS state "
        "ORDER BY d.event_seq",
        id=webhook_id,
    )


async def test_a_new_webhook_gets_later_matching_events_once_however_many_fan_out(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    record = await ensure_organization(graph, org)
    await _event(graph, record.id, EventType.RUN_STARTED)  # before the webhook: never delivered
    everything = await _webhook(graph, org)
    finished_in_p = await _webhook(
        graph, org, event_types=[EventType.RUN_FINISHED], filter=EventFilter(project="p")
    )
    assert everything.cursor >= 1 and everything.event_types == ()
    seqs = [
        await _event(graph, record.id, EventType.RUN_STARTED),
        await _event(graph, record.id, EventType.RUN_FINISHED),
        await _event(graph, record.id, EventType.RUN_FINISHED, project="q"),
    ]
    await asyncio.gather(*(fan_out(graph, retry_seconds=60) for _ in range(6)))
    all_of = await _deliveries(graph, everything.id)
    assert [d["type"] for d in all_of] == ["RUN_STARTED", "RUN_FINISHED", "RUN_FINISHED"]
    only = await _deliveries(graph, finished_in_p.id)
    assert [d["type"] for d in only] == ["RUN_FINISHED"]
    for hook in (everything, finished_in_p):
        got = await webhooks.get_webhook(graph, hook.id)
        assert got is not None and got.cursor == seqs[-1]
        assert await webhooks.delete_webhook(graph, hook.id, actor="tester")


async def test_claims_never_overlap_and_leases_hold_until_they_expire(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    record = await ensure_organization(graph, org)
    hook = await _webhook(graph, org)
    for _ in range(20):
        await _event(graph, record.id, EventType.RUN_STARTED)
    await fan_out(graph, retry_seconds=60)
    a, b = await asyncio.gather(
        claim_due(graph, owner="a", limit=15, lease_seconds=0.5, webhook_ids=[hook.id]),
        claim_due(graph, owner="b", limit=15, lease_seconds=0.5, webhook_ids=[hook.id]),
    )
    ids_a, ids_b = {d.id for d in a}, {d.id for d in b}
    assert not ids_a & ids_b
    assert all(d.attempts >= 1 and d.secrets.current == "sealed" for d in a + b)
    again = await claim_due(graph, owner="c", limit=50, lease_seconds=5, webhook_ids=[hook.id])
    assert not {d.id for d in again} & (ids_a | ids_b)  # still leased
    if not a:
        assert await webhooks.delete_webhook(graph, hook.id, actor="tester")
        return
    await asyncio.sleep(0.6)
    later = await claim_due(graph, owner="c", limit=50, lease_seconds=5, webhook_ids=[hook.id])
    reclaimed = {d.id for d in later} & ids_a
    # after expiry another worker takes them over: here, or a server's worker already did
    for delivery_id in ids_a - reclaimed:
        row = await graph.read(
            fetch_one, "MATCH (d:WebhookDelivery {id: $id}) RETURN d.attempts AS n", id=delivery_id
        )
        assert row is not None and row["n"] >= 2
    assert await webhooks.delete_webhook(graph, hook.id, actor="tester")


def _failure(delivery_id: str, webhook_id: str, *, ok: bool = False) -> AttemptResult:
    at = now()
    return AttemptResult(
        delivery_id=delivery_id,
        webhook_id=webhook_id,
        ok=ok,
        at=at,
        state=DeliveryState.SUCCEEDED if ok else DeliveryState.PENDING,
        next_attempt_at=None if ok else at + timedelta(seconds=30),
        status=200 if ok else 500,
        error=None if ok else "HTTP 500",
        latency_ms=3.0,
        response_body="nope",
    )


async def test_failures_disable_the_webhook_audited_and_enabling_resumes(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    record = await ensure_organization(graph, org)
    hook = await _webhook(graph, org)
    for _ in range(3):
        await _event(graph, record.id, EventType.RUN_STARTED)
    await fan_out(graph, retry_seconds=60)
    claimed = []
    for _ in range(100):  # a server's worker may hold them for a moment (it cannot open "sealed")
        claimed += await claim_due(
            graph, owner="me", limit=3, lease_seconds=30, webhook_ids=[hook.id]
        )
        if claimed:
            break
        await asyncio.sleep(0.1)
    assert claimed
    ignored = await record_results(
        graph,
        owner="someone-else",
        results=[_failure(d.id, hook.id) for d in claimed],
        disable_after=1,
        retry_seconds=60,
    )
    assert ignored == []  # not the lease holder: nothing recorded
    disabled = await record_results(
        graph,
        owner="me",
        results=[_failure(d.id, hook.id) for d in claimed],
        disable_after=len(claimed),
        retry_seconds=60,
    )
    assert disabled == [hook.id]
    got = await webhooks.get_webhook(graph, hook.id)
    assert got is not None and not got.enabled
    assert got.consecutive_failures >= len(claimed)
    assert got.disabled_reason is not None and "HTTP 500" in got.disabled_reason
    audit = await graph.read(
        fetch_all,
        "MATCH (a:AuditEvent {org_id: $org, target_id: $id}) RETURN a.action AS action",
        org=record.id,
        id=hook.id,
    )
    assert {"action": "webhook.disable"} in audit
    states = {d["state"] for d in await _deliveries(graph, hook.id)}
    assert states == {"PAUSED"}
    assert await claim_due(graph, owner="me", limit=9, lease_seconds=1, webhook_ids=[hook.id]) == []

    enabled = await webhooks.update_webhook(
        graph, hook.id, WebhookChange(enabled=True), actor="admin", retry_seconds=60
    )
    assert enabled.enabled and enabled.consecutive_failures == 0 and enabled.disabled_at is None
    assert {d["state"] for d in await _deliveries(graph, hook.id)} <= {"PENDING", "SUCCEEDED"}
    audit = await graph.read(
        fetch_all,
        "MATCH (a:AuditEvent {org_id: $org, target_id: $id}) RETURN a.action AS action",
        org=record.id,
        id=hook.id,
    )
    assert {"action": "webhook.enable"} in audit
    assert await webhooks.delete_webhook(graph, hook.id, actor="tester")


async def test_delivery_log_pages_redelivers_and_sweeps(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    record = await ensure_organization(graph, org)
    before = await _event(graph, record.id, EventType.RUN_STARTED)
    hook = await _webhook(graph, org)
    for _ in range(5):
        await _event(graph, record.id, EventType.RUN_FINISHED)
    await fan_out(graph, retry_seconds=60)
    page, total = await delivery_log.list_deliveries(graph, hook.id, offset=0, limit=2)
    assert total == 5 and len(page) == 2
    assert page[0].created_at >= page[1].created_at
    rest, _ = await delivery_log.list_deliveries(graph, hook.id, offset=2, limit=10)
    assert len(rest) == 3 and not {d.id for d in page} & {d.id for d in rest}

    # an event from before the webhook existed: queued on request
    old_event = await graph.read(
        fetch_one,
        "MATCH (e:Event {org_id: $org, seq: $seq}) RETURN e.id AS id",
        org=record.id,
        seq=before,
    )
    assert old_event is not None
    queued = await delivery_log.redeliver(graph, hook.id, old_event["id"], retry_seconds=60)
    assert queued.state is DeliveryState.PENDING and queued.event_type == "RUN_STARTED"
    again = await delivery_log.redeliver(graph, hook.id, old_event["id"], retry_seconds=60)
    assert again.id == queued.id  # one delivery per event and webhook
    other = await ensure_organization(graph, unique("org"))
    await _event(graph, other.id, EventType.RUN_STARTED)
    foreign = await graph.read(
        fetch_one, "MATCH (e:Event {org_id: $org}) RETURN e.id AS id LIMIT 1", org=other.id
    )
    assert foreign is not None
    try:
        await delivery_log.redeliver(graph, hook.id, foreign["id"], retry_seconds=60)
        raise AssertionError("another organisation's event was queued")
    except Exception as error:
        assert getattr(error, "code", None) == "NOT_FOUND"

    # the sweep is global: only deliveries made to look old here are old enough for it
    cutoff = datetime(2000, 1, 2, tzinfo=UTC)
    await graph.write(
        fetch_one,
        "MATCH (d:WebhookDelivery {webhook_id: $id}) WITH d LIMIT 4 "
        "SET d.created_at = $old RETURN count(d) AS n",
        id=hook.id,
        old=datetime(2000, 1, 1, tzinfo=UTC),
    )
    assert await delivery_log.sweep_deliveries(graph, cutoff) >= 4
    _, total = await delivery_log.list_deliveries(graph, hook.id, offset=0, limit=1)
    assert total == 2

    assert await webhooks.delete_webhook(graph, hook.id, actor="admin")
    assert await webhooks.get_webhook(graph, hook.id) is None
