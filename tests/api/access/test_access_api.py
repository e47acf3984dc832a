"""Access control through GraphQL: who am I, keys shown once and revoked at once, team roles."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx

from api.app import create_app
from api.context import Services
from graph.access.memberships import add_member
from graph.core.driver import Graph
from graph.core.tx import fetch_one
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import build_world
from tests.conftest import ApiClient, SessionUser

ME = """
{ me { id name isServerAdmin
       memberships { totalCount edges { node { role organization { name } } } } } }
"""

CREATE_KEY = """
mutation($label: String, $user: String) {
  createApiKey(input: {label: $label, user: $user}) {
    secret apiKey { id prefix label revoked lastUsedAt }
    errors { code message field }
  }
}
"""

REVOKE_KEY = """
mutation($id: ID!) {
  revokeApiKey(input: {id: $id}) { apiKey { id revoked revokedAt } errors { code field } }
}
"""

CREATE_PROJECT = """
mutation($org: String!, $name: String!) {
  createProject(input: {organization: $org, name: $name}) {
    project { id path } errors { code message }
  }
}
"""

MEMBERS = """
query($org: String!) {
  organizationMembers(organization: $org) {
    totalCount edges { node { role user { name } organization { name } } }
  }
}
"""

ADD_MEMBER = """
mutation($org: String!, $user: String!, $role: Role!) {
  addOrganizationMember(input: {organization: $org, user: $user, role: $role}) {
    member { role user { name } } errors { code message field }
  }
}
"""

SET_ROLE = """
mutation($org: String!, $user: String!, $role: Role!) {
  setMemberRole(input: {organization: $org, user: $user, role: $role}) {
    member { role } errors { code message field }
  }
}
"""

REMOVE_MEMBER = """
mutation($org: String!, $user: String!) {
  removeOrganizationMember(input: {organization: $org, user: $user}) {
    removed errors { code message field }
  }
}
"""

AUDIT = """
query($org: String!, $filter: AuditEventFilter) {
  auditEvents(organization: $org, first: 10, filter: $filter) {
    totalCount edges { node { action actor targetKind details } }
  }
}
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


async def test_me_names_the_key_owner_and_anonymous_callers_are_refused(
    api: ApiClient, anonymous: ApiClient, session_user: SessionUser
) -> None:
    me = (await api.data("{ me { id name isServerAdmin } }"))["me"]
    assert (me["name"], me["isServerAdmin"]) == (session_user.name, False)
    body = await anonymous.gql("{ me { name } }")
    assert body["data"] is None and codes(body) == ["UNAUTHENTICATED"]
    assert "Authorization: Bearer" in body["errors"][0]["message"]
    body = await anonymous.gql("{ me { name } }", headers={"authorization": "Bearer lin_nope"})
    assert codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"] == "Invalid or revoked API key"


async def test_a_key_is_shown_once_listed_without_secret_and_revoked_at_once(
    api: ApiClient, anonymous: ApiClient
) -> None:
    made = (await api.data(CREATE_KEY, {"label": "ci"}))["createApiKey"]
    secret, key = made["secret"], made["apiKey"]
    assert made["errors"] == [] and secret.startswith("lin_")
    assert key["label"] == "ci" and not key["revoked"] and key["lastUsedAt"] is None
    headers = {"authorization": f"Bearer {secret}"}
    assert (await anonymous.data("{ me { name } }", headers=headers))["me"]
    listed = await api.data("{ apiKeys(first: 100) { edges { node { id prefix lastUsedAt } } } }")
    mine = [e["node"] for e in listed["apiKeys"]["edges"] if e["node"]["id"] == key["id"]]
    assert mine[0]["prefix"] == key["prefix"] and mine[0]["lastUsedAt"] is not None
    assert secret not in str(listed)

    revoked = (await api.data(REVOKE_KEY, {"id": key["id"]}))["revokeApiKey"]
    assert revoked["apiKey"]["revoked"] and revoked["errors"] == []
    body = await anonymous.gql("{ me { name } }", headers=headers)
    assert codes(body) == ["UNAUTHENTICATED"]


async def test_keys_and_users_of_others_stay_invisible(api: ApiClient, make_user: MakeUser) -> None:
    other = await make_user()
    theirs = (await api.data(CREATE_KEY, {"label": "x"}, headers=other.headers))["createApiKey"]
    key_id = theirs["apiKey"]["id"]
    body = await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": key_id})
    assert codes(body) == ["FORBIDDEN"] and body["data"]["node"] is None
    refused = (await api.data(REVOKE_KEY, {"id": key_id}))["revokeApiKey"]
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    assert refused["apiKey"] is None
    me_other = (await api.data("{ me { id } }", headers=other.headers))["me"]["id"]
    body = await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": me_other})
    assert codes(body) == ["FORBIDDEN"]
    body = await api.gql("{ users { totalCount } }")
    assert codes(body) == ["FORBIDDEN"]
    made = (await api.data(CREATE_KEY, {"user": other.name}))["createApiKey"]
    assert made["errors"][0]["code"] == "FORBIDDEN" and made["secret"] is None


async def test_server_admins_create_users_whose_first_key_works(
    api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    root = await make_user("root", server_admin=True)
    query = """
    mutation($name: String!) {
      createUser(input: {name: $name}) {
        user { name isServerAdmin } apiKey { label } secret errors { code }
      }
    }
    """
    name = unique("newcomer")
    refused = (await api.data(query, {"name": name}))["createUser"]
    assert refused["errors"] == [{"code": "FORBIDDEN"}] and refused["user"] is None
    made = (await api.data(query, {"name": name}, headers=root.headers))["createUser"]
    assert made["user"] == {"name": name, "isServerAdmin": False}
    assert made["apiKey"] == {"label": "initial key"}
    me = await api.data("{ me { name } }", headers={"authorization": f"Bearer {made['secret']}"})
    assert me == {"me": {"name": name}}
    again = (await api.data(query, {"name": name}, headers=root.headers))["createUser"]
    assert again["errors"] == [{"code": "ALREADY_EXISTS"}]
    listed = await api.data("{ users(first: 1) { totalCount } }", headers=root.headers)
    assert listed["users"]["totalCount"] >= 3


async def test_team_roles_through_the_api(
    api: ApiClient,
    graph: Graph,
    make_user: MakeUser,
    unique: Callable[[str], str],
    session_user: SessionUser,
) -> None:
    org = unique("org")
    assert (await api.data(CREATE_PROJECT, {"org": org, "name": "p"}))["createProject"][
        "errors"
    ] == []
    members = (await api.data(MEMBERS, {"org": org}))["organizationMembers"]
    assert members["edges"] == [
        {
            "node": {
                "role": "ADMIN",
                "user": {"name": session_user.name},
                "organization": {"name": org},
            }
        }
    ]
    me = (await api.data(ME))["me"]["memberships"]["edges"]
    assert {"role": "ADMIN", "organization": {"name": org}} in [e["node"] for e in me]

    bob: Identity = await make_user("bob")
    # an organisation admin adds users they already share an organisation with
    company = unique("company")
    assert (await api.data(CREATE_PROJECT, {"org": company, "name": "p"}))["createProject"][
        "errors"
    ] == []
    await add_member(graph, company, bob.name, "viewer", actor=session_user.name)
    added = await api.data(ADD_MEMBER, {"org": org, "user": bob.name, "role": "VIEWER"})
    assert added["addOrganizationMember"]["member"] == {
        "role": "VIEWER",
        "user": {"name": bob.name},
    }
    read = await api.data(
        'query($o: String!) { project(organization: $o, name: "p") { path } }',
        {"o": org},
        headers=bob.headers,
    )
    assert read == {"project": {"path": f"{org}/p"}}
    refused = await api.data(CREATE_PROJECT, {"org": org, "name": "q"}, headers=bob.headers)
    assert refused["createProject"]["errors"][0]["code"] == "FORBIDDEN"
    assert refused["createProject"]["project"] is None
    bob_adds = await api.data(
        ADD_MEMBER, {"org": org, "user": bob.name, "role": "ADMIN"}, headers=bob.headers
    )
    assert bob_adds["addOrganizationMember"]["errors"][0]["code"] == "FORBIDDEN"

    await api.data(SET_ROLE, {"org": org, "user": bob.name, "role": "MEMBER"})
    created = await api.data(CREATE_PROJECT, {"org": org, "name": "q"}, headers=bob.headers)
    assert created["createProject"]["errors"] == []
    audit = await api.gql(AUDIT, {"org": org}, headers=bob.headers)
    assert codes(audit) == ["FORBIDDEN"]

    last = await api.data(SET_ROLE, {"org": org, "user": session_user.name, "role": "VIEWER"})
    assert last["setMemberRole"]["errors"][0]["code"] == "CONFLICT"
    removed = await api.data(REMOVE_MEMBER, {"org": org, "user": bob.name})
    assert removed["removeOrganizationMember"] == {"removed": True, "errors": []}
    gone = await api.gql(
        "query($o: String!) { organization(name: $o) { name } }", {"o": org}, headers=bob.headers
    )
    assert codes(gone) == ["FORBIDDEN"]

    events = (await api.data(AUDIT, {"org": org}))["auditEvents"]
    assert [e["node"]["action"] for e in events["edges"]] == [
        "member.remove",
        "member.role",
        "member.add",
        "member.add",
    ]
    assert events["edges"][0]["node"]["details"] == {"user": bob.name, "previous": "member"}
    only = await api.data(AUDIT, {"org": org, "filter": {"action": "member.role"}})
    assert only["auditEvents"]["totalCount"] == 1


async def test_organisation_admin_operations_need_an_existing_organisation(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    body = await api.gql(AUDIT, {"org": org})
    assert codes(body) == ["NOT_FOUND"]
    added = await api.data(ADD_MEMBER, {"org": org, "user": "someone", "role": "VIEWER"})
    assert added["addOrganizationMember"]["errors"][0]["code"] == "NOT_FOUND"
    # neither claimed the name: another user may still create it
    body = await api.data(
        "mutation($n: String!) { createOrganization(input: {name: $n}) { errors { code } } }",
        {"n": org},
    )
    assert body["createOrganization"]["errors"] == []


async def test_create_organization_makes_the_creator_its_admin(
    api: ApiClient, make_user: MakeUser, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    create = "mutation($n: String!) { createOrganization(input: {name: $n}) { errors { code } } }"
    assert (await api.data(create, {"n": org}))["createOrganization"]["errors"] == []
    members = (await api.data(MEMBERS, {"org": org}))["organizationMembers"]["edges"]
    assert [(m["node"]["user"]["name"], m["node"]["role"]) for m in members] == [
        (session_user.name, "ADMIN")
    ]
    rival = await make_user("rival")
    taken = await api.data(create, {"n": org}, headers=rival.headers)
    assert taken["createOrganization"]["errors"] == [{"code": "FORBIDDEN"}]
    again = await api.data(create, {"n": org})
    assert again["createOrganization"]["errors"] == [{"code": "ALREADY_EXISTS"}]


async def test_the_creator_is_admin_as_soon_as_the_creating_request_ends(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    row = await graph.read(
        fetch_one,
        "MATCH (o:Organization {name: $org}) "
        "RETURN [(u:User)-[m:MEMBER_OF]->(o) | [u.name, m.role]] AS members, "
        "COUNT { MATCH (c:OrgClaim {org_name: $org}) } AS claims",
        org=org,
    )
    assert row == {"members": [[session_user.name, "admin"]], "claims": 0}


async def test_admins_read_who_created_linked_aliased_and_changed_ttl(
    api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    admin = await make_user("admin")
    world = await build_world(api, admin, unique("org"))
    await api.data(
        "mutation($v: ID!) { setArtifactVersionTtl(input: {versionId: $v, ttlSeconds: 600}) "
        "{ errors { code } } }",
        {"v": world.ids["ArtifactVersion"]},
        headers=admin.headers,
    )
    events = await api.data(
        "query($o: String!) { auditEvents(organization: $o, first: 100) "
        "{ totalCount edges { node { action actor targetKind } } } }",
        {"o": world.org},
        headers=admin.headers,
    )
    actions = [e["node"]["action"] for e in events["auditEvents"]["edges"]]
    assert events["auditEvents"]["totalCount"] == len(actions)
    for expected in [
        "member.add",
        "artifact_version.create",
        "registry.create",
        "registry.link",
        "artifact_version.ttl",
    ]:
        assert expected in actions, (expected, actions)
    assert any(a.startswith("alias.") for a in actions), actions
    assert {e["node"]["actor"] for e in events["auditEvents"]["edges"]} == {admin.name}
    newest_first = await api.data(
        "query($o: String!) { auditEvents(organization: $o, first: 1) "
        "{ edges { node { action } } } }",
        {"o": world.org},
        headers=admin.headers,
    )
    assert newest_first["auditEvents"]["edges"][0]["node"]["action"] == "artifact_version.ttl"


async def test_anonymous_reading_when_the_server_allows_it(
    api: ApiClient, s3_services: Services, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    settings = dataclasses.replace(s3_services.settings, allow_anonymous_read=True)
    app = create_app(settings, services=dataclasses.replace(s3_services, settings=settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lineage.test") as http:
        public = ApiClient(http=http)
        read = await public.data(
            'query($o: String!) { project(organization: $o, name: "p") { path } }', {"o": org}
        )
        assert read == {"project": {"path": f"{org}/p"}}
        write = await public.data(CREATE_PROJECT, {"org": org, "name": "q"})
        assert write["createProject"]["errors"][0]["code"] == "UNAUTHENTICATED"
        assert codes(await public.gql("{ me { name } }")) == ["UNAUTHENTICATED"]
        wrong_key = await public.gql(
            "query($o: String!) { organization(name: $o) { name } }",
            {"o": org},
            headers={"authorization": "Bearer lin_wrong"},
        )
        assert codes(wrong_key) == ["UNAUTHENTICATED"]
