"""Webhooks end to end: created through GraphQL, events made through GraphQL, delivered by the
worker over real HTTP to a real receiver, verified with the SDK's `lineage.webhooks.verify`.

API servers of other tests may run their own webhook workers on the same Neo4j (replicas, as
far as the queue is concerned), so assertions never depend on which worker made an attempt.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from graph.core.driver import Graph
from graph.core.tx import fetch_all, fetch_one
from lineage.webhooks import WebhookVerificationError, verify
from storage.base import BlobStore
from tests.api.webhooks.support import (
    PING,
    REDELIVER,
    ROTATE,
    UPDATE_WEBHOOK,
    create_webhook,
    deliveries,
    eventually,
    start_run,
    webhook_api,
)
from tests.conftest import SessionUser
from tests.webhook_receiver import always, failing_first, never, running_receiver


async def test_deliveries_are_signed_and_verify_with_the_sdk(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(always(200)) as receiver:
        async with webhook_api(graph, s3_store, session_user) as (api, _):
            hook, secret = await create_webhook(
                api, org, receiver.url, eventTypes=["RUN_STARTED"], description="ci"
            )
            assert secret.startswith("whsec_") and hook["enabled"] is True
            run_ids = [await start_run(api, org, f"run-{i}") for i in range(3)]
            got = await receiver.await_for(3)
            events = [verify(r.headers, r.body, secret) for r in got]
            assert sorted(e["object"]["id"] for e in events) == sorted(run_ids)
            for r, event in zip(got, events, strict=True):
                assert r.headers["webhook-id"] == event["id"]
                assert r.headers["lineage-event-type"] == "RUN_STARTED" == event["type"]
                assert r.headers["user-agent"] == "Lineage-Webhooks/0.1"
                assert r.headers["content-type"] == "application/json"
                assert event["organization"] == org and event["scope"]["project"] == "p"
                assert len(r.headers["webhook-signature"].split()) == 1
            with pytest.raises(WebhookVerificationError):
                verify(got[0].headers, got[0].body + b" ", secret)
            with pytest.raises(WebhookVerificationError):
                verify(got[0].headers, got[0].body, secret, now=got[0].at + 301)

            async def all_succeeded() -> list[dict[str, object]] | None:
                log = await deliveries(api, hook["id"])
                nodes = [e["node"] for e in log["edges"]]
                done = len(nodes) == 3 and all(n["state"] == "SUCCEEDED" for n in nodes)
                return nodes if done else None

            log = await eventually(all_succeeded)
            for node in log:
                assert node["responseStatus"] == 200 and node["responseBody"].startswith("answer")
                assert node["attempts"] >= 1 and node["latencyMs"] > 0
                assert node["nextAttemptAt"] is None and node["deliveredAt"] is not None

            # the secret is stored sealed and no field answers it
            stored = await graph.read(
                fetch_one,
                "MATCH (w:Webhook {org_id: $org}) RETURN properties(w) AS p",
                org=(
                    await graph.read(
                        fetch_one, "MATCH (o:Organization {name: $n}) RETURN o.id AS id", n=org
                    )
                    or {}
                )["id"],
            )
            assert stored is not None and secret not in json.dumps(stored["p"], default=str)
            assert secret.removeprefix("whsec_") not in json.dumps(stored["p"], default=str)
            fields = await api.data('{ __type(name: "Webhook") { fields { name } } }')
            names = {f["name"] for f in fields["__type"]["fields"]}
            assert not {n for n in names if "secret" in n.lower()} - {
                "secretRotatedAt",
                "previousSecretExpiresAt",
            }


async def test_a_failing_receiver_gets_the_event_again_until_it_succeeds_once(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(failing_first(2)) as receiver:
        async with webhook_api(graph, s3_store, session_user) as (api, _):
            hook, secret = await create_webhook(api, org, receiver.url)
            await start_run(api, org, "flaky")

            async def succeeded() -> dict[str, object] | None:
                nodes = [e["node"] for e in (await deliveries(api, hook["id"]))["edges"]]
                return nodes[0] if nodes and nodes[0]["state"] == "SUCCEEDED" else None

            delivery = await eventually(succeeded)
            got = receiver.requests()
            assert [verify(r.headers, r.body, secret)["id"] for r in got] == [r.id for r in got]
            assert {r.id for r in got} == {delivery["eventId"]}
            assert len(got) == 3  # 500, 500, then the one 200
            assert delivery["attempts"] >= 3 and delivery["responseStatus"] == 200
            assert delivery["lastError"] is None


async def test_a_receiver_that_never_answers_is_cut_off_by_the_timeout(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(never()) as receiver:
        async with webhook_api(
            graph, s3_store, session_user, webhook_timeout_seconds=0.5, webhook_backoff_seconds=5
        ) as (api, _):
            hook, _ = await create_webhook(api, org, receiver.url)
            await start_run(api, org, "slow")

            async def timed_out() -> dict[str, object] | None:
                nodes = [e["node"] for e in (await deliveries(api, hook["id"]))["edges"]]
                failed = nodes and "no answer within" in str(nodes[0]["lastError"])
                return nodes[0] if failed else None

            delivery = await eventually(timed_out)
            assert delivery["state"] == "PENDING" and delivery["nextAttemptAt"] is not None
            assert delivery["responseStatus"] is None
            assert receiver.requests()  # it did arrive; the answer never came


async def test_rotation_overlap_sends_both_signatures_and_both_verify(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(always(204)) as receiver:
        async with webhook_api(graph, s3_store, session_user) as (api, _):
            hook, old = await create_webhook(api, org, receiver.url)
            rotated = (await api.data(ROTATE, {"id": hook["id"], "overlap": 3600}))[
                "rotateWebhookSecret"
            ]
            assert rotated["errors"] == []
            new = rotated["secret"]
            assert new.startswith("whsec_") and new != old
            assert rotated["webhook"]["previousSecretExpiresAt"] is not None
            await start_run(api, org, "rotated")
            (first,) = await receiver.await_for(1)
            assert len(first.headers["webhook-signature"].split()) == 2
            assert verify(first.headers, first.body, old) == verify(first.headers, first.body, new)

            again = (await api.data(ROTATE, {"id": hook["id"], "overlap": 0}))[
                "rotateWebhookSecret"
            ]
            newest = again["secret"]
            assert again["webhook"]["previousSecretExpiresAt"] is None
            await start_run(api, org, "rotated-again")
            second = (await receiver.await_for(2))[1]
            assert len(second.headers["webhook-signature"].split()) == 1
            verify(second.headers, second.body, newest)
            for stale in (old, new):
                with pytest.raises(WebhookVerificationError):
                    verify(second.headers, second.body, stale)
            bad = await api.data(ROTATE, {"id": hook["id"], "overlap": -1})
            assert bad["rotateWebhookSecret"]["errors"][0]["field"] == "overlapSeconds"


async def test_failing_webhook_is_disabled_audited_and_enabled_again(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(always(500)) as broken, running_receiver(always(200)) as fixed:
        async with webhook_api(graph, s3_store, session_user, webhook_disable_after_failures=3) as (
            api,
            _,
        ):
            hook, secret = await create_webhook(api, org, broken.url)
            await start_run(api, org, "doomed")

            async def disabled() -> dict[str, object] | None:
                node = (
                    await api.data(
                        "query($id: ID!) { node(id: $id) { ... on Webhook "
                        "{ enabled disabledReason consecutiveFailures } } }",
                        {"id": hook["id"]},
                    )
                )["node"]
                return None if node["enabled"] else node

            state = await eventually(disabled)
            assert state["consecutiveFailures"] >= 3
            assert "HTTP 500" in str(state["disabledReason"])
            audit = await graph.read(
                fetch_all,
                "MATCH (o:Organization {name: $org}) "
                "MATCH (a:AuditEvent {org_id: o.id, action: 'webhook.disable'}) "
                "RETURN a.actor AS actor, a.details AS details",
                org=org,
            )
            assert len(audit) == 1 and audit[0]["actor"] == "system"
            (paused,) = [e["node"] for e in (await deliveries(api, hook["id"]))["edges"]]
            assert paused["state"] == "PAUSED"

            # a ping still goes out to a disabled webhook, and reports its outcome
            pinged = (await api.data(PING, {"id": hook["id"]}))["pingWebhook"]
            assert pinged["errors"] == []
            assert pinged["delivery"]["state"] == "FAILED"
            assert pinged["delivery"]["responseStatus"] == 500
            assert pinged["delivery"]["ping"] is True

            enabled = (
                await api.data(
                    UPDATE_WEBHOOK,
                    {"input": {"webhookId": hook["id"], "enabled": True, "url": fixed.url}},
                )
            )["updateWebhook"]
            assert enabled["errors"] == []
            assert enabled["webhook"]["enabled"] is True
            assert enabled["webhook"]["consecutiveFailures"] == 0
            (resumed,) = await fixed.await_for(1)
            assert verify(resumed.headers, resumed.body, secret)["id"] == paused["eventId"]
            pong = (await api.data(PING, {"id": hook["id"]}))["pingWebhook"]["delivery"]
            assert pong["state"] == "SUCCEEDED" and pong["responseStatus"] == 200
            ping_request = (await fixed.await_for(2))[1]
            body = verify(ping_request.headers, ping_request.body, secret)
            assert body["type"] == "PING" and ping_request.headers["lineage-event-type"] == "PING"


async def test_redeliver_sends_the_same_event_again(
    graph: Graph, s3_store: BlobStore, session_user: SessionUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    with running_receiver(always(200)) as receiver:
        async with webhook_api(graph, s3_store, session_user) as (api, _):
            hook, secret = await create_webhook(api, org, receiver.url)
            await start_run(api, org, "once")
            (first,) = await receiver.await_for(1)
            again = (await api.data(REDELIVER, {"id": hook["id"], "event": first.id}))[
                "redeliverEvent"
            ]
            assert again["errors"] == [] and again["delivery"]["eventId"] == first.id
            second = (await receiver.await_for(2))[1]
            assert second.id == first.id and second.body == first.body
            assert verify(second.headers, second.body, secret)["id"] == first.id
            missing = await api.data(REDELIVER, {"id": hook["id"], "event": "0" * 32})
            assert missing["redeliverEvent"]["errors"][0]["code"] == "NOT_FOUND"
