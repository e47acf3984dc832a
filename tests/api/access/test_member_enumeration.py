"""Member management does not tell which user names exist (issue 11, item 1.4).

Anyone may create an organisation and so become an organisation admin; the member mutations
must then not work as an oracle for the server's user list. A user name the caller cannot
already see (a member of one of the caller's organisations) answers exactly as a name nobody
has.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.access.memberships import add_member
from graph.core.driver import Graph
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import snapshot
from tests.conftest import ApiClient

CREATE_ORG = "mutation($o: String!) { createOrganization(input: {name: $o}) { errors { code } } }"

ADD = """
mutation($o: String!, $u: String!) {
  addOrganizationMember(input: {organization: $o, user: $u, role: VIEWER}) {
    member { user { name } role } errors { code message field }
  }
}
"""

SET_ROLE = """
mutation($o: String!, $u: String!) {
  setMemberRole(input: {organization: $o, user: $u, role: MEMBER}) {
    member { user { name } } errors { code message field }
  }
}
"""

REMOVE = """
mutation($o: String!, $u: String!) {
  removeOrganizationMember(input: {organization: $o, user: $u}) {
    removed errors { code message field }
  }
}
"""


async def _org_of(api: ApiClient, founder: Identity, unique: Callable[[str], str]) -> str:
    org = unique("org")
    made = await api.data(CREATE_ORG, {"o": org}, headers=founder.headers)
    assert made["createOrganization"]["errors"] == []
    return org


async def test_an_unknown_name_and_a_stranger_get_the_same_answers(
    api: ApiClient, graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    prober = await make_user("prober")
    org = await _org_of(api, prober, unique)
    stranger = await make_user("stranger")
    ghost = unique("ghost")
    before = await snapshot(graph, org)
    for mutation in (ADD, SET_ROLE, REMOVE):
        known = await api.data(mutation, {"o": org, "u": stranger.name}, prober.headers)
        unknown = await api.data(mutation, {"o": org, "u": ghost}, prober.headers)
        assert str(unknown).replace(ghost, stranger.name) == str(known), mutation
        [payload] = known.values()
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "user")]
    assert await snapshot(graph, org) == before


async def test_admins_add_users_they_already_share_an_organisation_with(
    api: ApiClient, graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    lead = await make_user("lead")
    team = await _org_of(api, lead, unique)
    company = await _org_of(api, lead, unique)
    colleague = await make_user("colleague")
    await add_member(graph, company, colleague.name, "viewer", actor=lead.name)
    added = await api.data(ADD, {"o": team, "u": colleague.name}, lead.headers)
    assert added["addOrganizationMember"] == {
        "member": {"user": {"name": colleague.name}, "role": "VIEWER"},
        "errors": [],
    }
    again = await api.data(ADD, {"o": team, "u": colleague.name}, lead.headers)
    assert [e["code"] for e in again["addOrganizationMember"]["errors"]] == ["ALREADY_EXISTS"]
    # a member who is not yet in the team is "not a member" by the same words as a stranger
    other = await make_user("other")
    await add_member(graph, company, other.name, "viewer", actor=lead.name)
    not_yet = await api.data(REMOVE, {"o": team, "u": other.name}, lead.headers)
    assert not_yet["removeOrganizationMember"]["errors"] == [
        {
            "code": "NOT_FOUND",
            "message": f"{other.name!r} is not a member of {team!r}",
            "field": "user",
        }
    ]


async def test_server_admins_add_anyone(
    api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    root = await make_user("root", server_admin=True)
    org = await _org_of(api, root, unique)
    newcomer = await make_user("newcomer")
    added = await api.data(ADD, {"o": org, "u": newcomer.name}, root.headers)
    assert added["addOrganizationMember"]["errors"] == []
    ghost = unique("ghost")
    missing = await api.data(ADD, {"o": org, "u": ghost}, root.headers)
    assert missing["addOrganizationMember"]["errors"] == [
        {"code": "NOT_FOUND", "message": f"User {ghost!r} not found", "field": "user"}
    ]
