"""`decide`, the single authorisation point, against real memberships in the real graph."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import LiteralString

import pytest

from api.authz import Action, Caller, authenticate, decide
from graph.access import memberships, orgs
from graph.access.facts import CLAIM_TTL
from graph.core.driver import Graph
from graph.core.errors import Forbidden, InvalidName, NotFound, Unauthenticated
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now
from graph.registry import admin, roles
from graph.registry.records import RegistryRole, Visibility
from tests.api.access.conftest import Identity, MakeUser, caller_of

ALL = (Action.READ, Action.WRITE, Action.ADMIN)


async def allowed(caller: Caller, org: str, registry: str | None = None) -> set[Action]:
    result: set[Action] = set()
    for action in ALL:
        try:
            await decide(caller, action, org=org, registry=registry)
        except (Forbidden, Unauthenticated, NotFound):  # NotFound: a registry hidden or missing
            continue
        result.add(action)
    return result


async def team(graph: Graph, make_user: MakeUser, org: str) -> dict[str, Identity]:
    """An organisation created on first use by its admin, with a member and a viewer."""
    admin = await make_user("admin")
    await decide(await caller_of(graph, admin), Action.WRITE, org=org)
    await orgs.ensure_project(graph, org, "p")
    await decide(await caller_of(graph, admin), Action.READ, org=org)  # settles the claim
    people = {"admin": admin}
    for role in ("member", "viewer"):
        people[role] = await make_user(role)
        await memberships.add_member(graph, org, people[role].name, role, actor=admin.name)
    people["stranger"] = await make_user("stranger")
    return people


async def add_registry(graph: Graph, org: str, name: str, visibility: str) -> str:
    record = await admin.create_registry(
        graph, org, name, accepts_any_type=True, visibility=Visibility(visibility), actor="test"
    )
    return record.id


async def grant_registry_role(graph: Graph, registry_id: str, user: Identity, role: str) -> None:
    registry = await graph.read(fetch_one, REGISTRY_ORG, id=registry_id)
    assert registry is not None
    await roles.grant_registry_role(
        graph,
        org_id=registry["org_id"],
        registry_id=registry_id,
        user=user.name,
        role=RegistryRole(role),
        actor="test",
    )


REGISTRY_ORG: LiteralString = "MATCH (r:Registry {id: $id}) RETURN r.org_id AS org_id"

# Only members may be given a registry role now; this is a role granted before that rule.
LEGACY_ROLE: LiteralString = """
MATCH (u:User {id: $user}), (r:Registry {id: $registry})
MERGE (u)-[g:REGISTRY_ROLE]->(r) SET g.role = $role
"""


async def test_anonymous_and_refused_callers(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    await orgs.ensure_organization(graph, org)
    anonymous = await authenticate(None, graph)
    for action in ALL:
        with pytest.raises(Unauthenticated):
            await decide(anonymous, action, org=org)
    public = await authenticate(None, graph, anonymous_read=True)
    await decide(public, Action.READ, org=org)
    with pytest.raises(Unauthenticated):
        await decide(public, Action.WRITE, org=org)
    await add_registry(graph, org, "open", "ORGANIZATION")
    await add_registry(graph, org, "secret", "RESTRICTED")
    await decide(public, Action.READ, org=org, registry="open")
    # public reading never reaches restricted registries: one is as absent as a missing one
    for hidden in ("secret", "missing"):
        with pytest.raises(NotFound, match=f"Registry '{hidden}' not found"):
            await decide(public, Action.READ, org=org, registry=hidden)
    refused = await authenticate("Bearer nope", graph, anonymous_read=True)
    with pytest.raises(Unauthenticated, match="Invalid or revoked"):
        await decide(refused, Action.READ, org=org)


async def test_roles_in_an_organisation(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    people = await team(graph, make_user, org)
    expected = {
        "admin": set(ALL),
        "member": {Action.READ, Action.WRITE},
        "viewer": {Action.READ},
        "stranger": set(),
    }
    for who, actions in expected.items():
        assert await allowed(await caller_of(graph, people[who]), org) == actions, who
    root = await make_user("root", server_admin=True)
    assert await allowed(await caller_of(graph, root), org) == set(ALL)
    with pytest.raises(Forbidden, match=r"write in organization .* needs the member role"):
        await decide(await caller_of(graph, people["viewer"]), Action.WRITE, org=org)


async def test_restricted_registries_need_a_registry_role_or_org_admin(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    people = await team(graph, make_user, org)
    secret = await add_registry(graph, org, "secret", "RESTRICTED")
    await add_registry(graph, org, "shared", "ORGANIZATION")

    async def check(who: Identity, registry: str) -> set[Action]:
        return await allowed(await caller_of(graph, who), org, registry)

    assert await check(people["admin"], "secret") == set(ALL)
    assert await check(people["member"], "secret") == set()
    assert await check(people["viewer"], "secret") == set()
    assert await check(people["member"], "shared") == {Action.READ, Action.WRITE}
    assert await check(people["viewer"], "shared") == {Action.READ}

    await grant_registry_role(graph, secret, people["viewer"], "viewer")
    await grant_registry_role(graph, secret, people["member"], "admin")
    assert await check(people["viewer"], "secret") == {Action.READ}
    assert await check(people["member"], "secret") == set(ALL)
    # a registry role counts only with a membership: held without one it opens nothing
    outsider = await make_user("outsider")
    await graph.write(fetch_all, LEGACY_ROLE, user=outsider.id, registry=secret, role="member")
    assert await check(outsider, "secret") == set()
    assert await allowed(await caller_of(graph, outsider), org) == set()
    assert await check(outsider, "shared") == set()
    with pytest.raises(Forbidden):  # outsiders are refused, never told what exists
        await decide(await caller_of(graph, outsider), Action.READ, org=org, registry="secret")
    # members without a role find a restricted registry missing, as a registry nobody made
    plain = await make_user("plain")
    await memberships.add_member(graph, org, plain.name, "member", actor="test")
    for name in ("secret", "nothing"):
        with pytest.raises(NotFound, match=f"Registry '{name}' not found"):
            await decide(await caller_of(graph, plain), Action.WRITE, org=org, registry=name)
    # a registry role raises an organisation role on an ORGANIZATION registry
    shared_id = await graph.read(
        fetch_one,
        "MATCH (:Organization {name: $org})-[:HAS_REGISTRY]->(r:Registry {name: 'shared'}) "
        "RETURN r.id AS id",
        org=org,
    )
    assert shared_id is not None
    await grant_registry_role(graph, shared_id["id"], people["viewer"], "member")
    assert await check(people["viewer"], "shared") == {Action.READ, Action.WRITE}
    # a registry that does not exist is NOT_FOUND for whoever the organisation role lets act
    assert await check(people["member"], "not-yet") == set()
    with pytest.raises(NotFound, match="Registry 'not-yet' not found"):
        await decide(
            await caller_of(graph, people["member"]), Action.WRITE, org=org, registry="not-yet"
        )
    with pytest.raises(Forbidden):  # and the same refusal as any registry for the others
        await decide(
            await caller_of(graph, people["viewer"]), Action.WRITE, org=org, registry="not-yet"
        )
    # the core registries exist before anything created them
    assert await check(people["member"], "model") == {Action.READ, Action.WRITE}


async def test_the_first_writer_of_a_new_organisation_becomes_its_admin(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    founder, rival = await make_user("founder"), await make_user("rival")
    await decide(await caller_of(graph, rival), Action.READ, org=org)  # nothing to read
    await decide(await caller_of(graph, founder), Action.WRITE, org=org)
    with pytest.raises(Forbidden, match="being created by another user"):
        await decide(await caller_of(graph, rival), Action.WRITE, org=org)
    await orgs.ensure_project(graph, org, "p")
    assert await allowed(await caller_of(graph, founder), org) == set(ALL)
    assert await allowed(await caller_of(graph, rival), org) == set()
    record = await orgs.require_organization(graph, org)
    members, total = await memberships.members_of(graph, record.id, 0, 10)
    assert total == 1 and (members[0].user_name, members[0].role) == (founder.name, "admin")
    claims = await graph.read(
        fetch_one, "MATCH (c:OrgClaim {org_name: $org}) RETURN count(c) AS n", org=org
    )
    assert claims == {"n": 0}


async def test_concurrent_first_writers_one_wins(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    users = [await make_user("racer") for _ in range(6)]
    callers = [await caller_of(graph, user) for user in users]
    outcomes = await asyncio.gather(
        *[decide(caller, Action.WRITE, org=org) for caller in callers], return_exceptions=True
    )
    winners = [user for user, outcome in zip(users, outcomes, strict=True) if outcome is None]
    assert len(winners) == 1
    assert all(isinstance(o, Forbidden) for o in outcomes if o is not None)


async def test_a_stale_claim_on_a_never_created_name_can_be_taken_over(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    first, second = await make_user(), await make_user()
    await decide(await caller_of(graph, first), Action.WRITE, org=org)
    await graph.write(
        fetch_all,
        "MATCH (c:OrgClaim {org_name: $org}) SET c.at = $at",
        org=org,
        at=now() - CLAIM_TTL - timedelta(seconds=1),
    )
    await decide(await caller_of(graph, second), Action.WRITE, org=org)
    with pytest.raises(Forbidden):
        await decide(await caller_of(graph, first), Action.WRITE, org=org)


async def test_non_creating_writes_and_invalid_names_claim_nothing(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    user = await make_user()
    caller = await caller_of(graph, user)
    org = unique("org")
    with pytest.raises(NotFound):
        await decide(caller, Action.ADMIN, org=org, creates=False)
    with pytest.raises(InvalidName):
        await decide(caller, Action.WRITE, org="../" + org)
    count = await graph.read(
        fetch_one,
        "MATCH (c:OrgClaim) WHERE c.org_name IN [$a, $b] RETURN count(c) AS n",
        a=org,
        b="../" + org,
    )
    assert count == {"n": 0}


async def test_decisions_are_memoised_per_request_only(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    people = await team(graph, make_user, org)
    request = await caller_of(graph, people["member"])
    await decide(request, Action.WRITE, org=org)
    await memberships.remove_member(graph, org, people["member"].name, actor="test")
    await decide(request, Action.WRITE, org=org)  # same request: the answer it already had
    with pytest.raises(Forbidden):
        await decide(await caller_of(graph, people["member"]), Action.READ, org=org)
