"""Who may manage webhooks, what the API refuses at creation (the SSRF guard), paging."""

from __future__ import annotations

from collections.abc import Callable

from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.api.webhooks.support import (
    CREATE_WEBHOOK,
    DELETE_WEBHOOK,
    PING,
    ROTATE,
    UPDATE_WEBHOOK,
    WEBHOOKS,
    create_webhook,
)
from tests.conftest import ApiClient, SessionUser

URL = "https://1.1.1.1/lineage"  # a public address: no DNS needed (no event is made here)


async def test_only_organisation_admins_manage_webhooks(
    api: ApiClient,
    graph: Graph,
    session_user: SessionUser,
    unique: Callable[[str], str],
) -> None:
    org = unique("org")
    hook, secret = await create_webhook(api, org, URL, eventTypes=["VERSION_CREATED"])
    assert secret.startswith("whsec_") and hook["eventTypes"] == ["VERSION_CREATED"]
    bob, key = await create_user(graph, unique("bob"), with_key=True)
    assert key is not None
    await add_member(graph, org, bob.name, "member", actor=session_user.name)
    headers = {"authorization": f"Bearer {key.secret}"}
    created = await api.data(
        CREATE_WEBHOOK, {"input": {"organization": org, "url": URL}}, headers=headers
    )
    assert created["createWebhook"]["errors"][0]["code"] == "FORBIDDEN"
    assert created["createWebhook"]["secret"] is None
    for document, variables in (
        (UPDATE_WEBHOOK, {"input": {"webhookId": hook["id"], "enabled": False}}),
        (DELETE_WEBHOOK, {"id": hook["id"]}),
        (ROTATE, {"id": hook["id"], "overlap": 0}),
        (PING, {"id": hook["id"]}),
    ):
        answer = await api.data(document, variables, headers=headers)
        (payload,) = answer.values()
        assert payload["errors"][0]["code"] == "FORBIDDEN", document
    listed = await api.gql(WEBHOOKS, {"org": org}, headers=headers)
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = await api.gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": hook["id"]}, headers=headers
    )
    assert node["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    listed = (await api.data(WEBHOOKS, {"org": org}))["webhooks"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["id"] == hook["id"]
    changed = (
        await api.data(
            UPDATE_WEBHOOK,
            {
                "input": {
                    "webhookId": hook["id"],
                    "enabled": False,
                    "description": "paused",
                    "eventTypes": [],
                    "filter": {"project": "p"},
                }
            },
        )
    )["updateWebhook"]
    assert changed["errors"] == []
    assert changed["webhook"]["enabled"] is False and changed["webhook"]["eventTypes"] == []
    assert changed["webhook"]["filter"]["project"] == "p"
    assert changed["webhook"]["disabledReason"] == f"disabled by {session_user.name}"
    deleted = (await api.data(DELETE_WEBHOOK, {"id": hook["id"]}))["deleteWebhook"]
    assert deleted == {"deletedWebhookId": hook["id"], "errors": []}
    gone = (await api.data(DELETE_WEBHOOK, {"id": hook["id"]}))["deleteWebhook"]
    assert gone["errors"][0]["code"] == "NOT_FOUND"


async def test_internal_targets_are_refused_at_creation(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    refused = {
        "https://127.0.0.1/hook": "127.0.0.1, a loopback address",
        "https://169.254.169.254/latest/meta-data": "169.254.169.254, a cloud metadata address",
        "https://[fd00:ec2::254]/": "a cloud metadata address",
        "https://10.1.2.3/": "a private address",
        "https://100.64.0.1/": "carrier-grade NAT",
        "https://0.0.0.0/": "an unspecified address",
        "https://[::ffff:127.0.0.1]/": "a loopback address",
        "https://localhost:8443/hook": "localhost resolves to",  # real resolution
        "http://hooks.example.com/": "must use https",
        "https://user:pw@hooks.example.com/": "user name or password",
        "ftp://hooks.example.com/": "must start with https://",
    }
    for url, reason in refused.items():
        answer = await api.data(CREATE_WEBHOOK, {"input": {"organization": org, "url": url}})
        payload = answer["createWebhook"]
        assert payload["webhook"] is None and payload["secret"] is None, url
        (error,) = payload["errors"]
        assert error["code"] == "INVALID_INPUT" and error["field"] == "url", url
        assert reason in error["message"], (url, error["message"])
    hook, _ = await create_webhook(api, org, URL)
    moved = await api.data(
        UPDATE_WEBHOOK, {"input": {"webhookId": hook["id"], "url": "https://127.0.0.1/"}}
    )
    assert moved["updateWebhook"]["errors"][0]["field"] == "url"
    await api.data(DELETE_WEBHOOK, {"id": hook["id"]})
