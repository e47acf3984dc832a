"""Members and roles in the graph: audited, serialised, never leaving a team without an admin."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from api.authz import Action, decide
from graph.access import memberships, orgs
from graph.core import audit_log as audit_queries
from graph.core.audit_log import AuditFilter
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from graph.core.tx import fetch_one
from graph.registry import admin as registry_admin
from graph.registry import roles
from graph.registry.records import RegistryRole
from tests.api.access.conftest import Identity, MakeUser, caller_of


async def founded(graph: Graph, make_user: MakeUser, org: str) -> Identity:
    """An organisation created on first use; returns its founding admin."""
    admin = await make_user("admin")
    await decide(await caller_of(graph, admin), Action.WRITE, org=org)
    await orgs.ensure_organization(graph, org)
    await decide(await caller_of(graph, admin), Action.READ, org=org)
    return admin


async def test_members_are_added_changed_listed_and_removed_with_audit(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    admin = await founded(graph, make_user, org)
    bob = await make_user("bob")
    added = await memberships.add_member(graph, org, bob.name, "viewer", actor=admin.name)
    assert (added.user_name, added.org_name, added.role) == (bob.name, org, "viewer")
    with pytest.raises(AlreadyExists):
        await memberships.add_member(graph, org, bob.name, "member", actor=admin.name)
    changed = await memberships.set_member_role(graph, org, bob.name, "member", actor=admin.name)
    assert changed.role == "member"

    record = await orgs.require_organization(graph, org)
    members, total = await memberships.members_of(graph, record.id, 0, 10)
    assert total == 2
    assert sorted((m.user_name, m.role) for m in members) == sorted(
        [(admin.name, "admin"), (bob.name, "member")]
    )
    mine, _ = await memberships.memberships_of_user(graph, bob.id, 0, 10)
    assert [(m.org_name, m.role) for m in mine] == [(org, "member")]

    await memberships.remove_member(graph, org, bob.name, actor=admin.name)
    _, total = await memberships.members_of(graph, record.id, 0, 10)
    assert total == 1

    events, count = await audit_queries.audit_events(graph, record.id, AuditFilter(), 0, 10)
    assert count == 4
    assert [(e.action, e.actor) for e in events] == [
        ("member.remove", admin.name),
        ("member.role", admin.name),
        ("member.add", admin.name),
        ("member.add", admin.name),  # the founder, when the claim was settled
    ]
    assert events[1].details == {"user": bob.name, "role": "member", "previous": "viewer"}
    assert events[3].details == {"role": "admin", "reason": "created the organization"}
    only_roles, n = await audit_queries.audit_events(
        graph, record.id, AuditFilter(action="member.role", target_id=bob.id), 0, 10
    )
    assert n == 1 and only_roles[0].target_kind == "user"
    later, n = await audit_queries.audit_events(
        graph, record.id, AuditFilter(since=events[0].at), 0, 10
    )
    assert n == 1 and later[0].action == "member.remove"
    none, n = await audit_queries.audit_events(
        graph, record.id, AuditFilter(until=events[-1].at), 0, 10
    )
    assert n == 0 and none == []


async def test_the_last_admin_cannot_be_demoted_or_removed(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    admin = await founded(graph, make_user, org)
    with pytest.raises(Conflict):
        await memberships.set_member_role(graph, org, admin.name, "member", actor=admin.name)
    with pytest.raises(Conflict):
        await memberships.remove_member(graph, org, admin.name, actor=admin.name)
    other = await make_user("other")
    await memberships.add_member(graph, org, other.name, "admin", actor=admin.name)
    # two admins demoting each other at once: one must stay
    results = await asyncio.gather(
        memberships.set_member_role(graph, org, admin.name, "viewer", actor=other.name),
        memberships.set_member_role(graph, org, other.name, "viewer", actor=admin.name),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1
    record = await orgs.require_organization(graph, org)
    members, _ = await memberships.members_of(graph, record.id, 0, 10)
    assert sorted(m.role for m in members) == ["admin", "viewer"]


async def test_concurrent_adds_make_one_membership(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    admin = await founded(graph, make_user, org)
    bob = await make_user("bob")
    results = await asyncio.gather(
        *[
            memberships.add_member(graph, org, bob.name, "member", actor=admin.name)
            for _ in range(6)
        ],
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, AlreadyExists) for r in results if isinstance(r, BaseException))
    count = await graph.read(
        fetch_one,
        "MATCH (:User {id: $u})-[m:MEMBER_OF]->(:Organization {name: $org}) RETURN count(m) AS n",
        u=bob.id,
        org=org,
    )
    assert count == {"n": 1}


async def test_removing_a_member_drops_their_registry_roles_in_that_team(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    admin = await founded(graph, make_user, org)
    bob = await make_user("bob")
    await memberships.add_member(graph, org, bob.name, "member", actor=admin.name)
    registry = await registry_admin.create_registry(
        graph, org, "m", accepts_any_type=True, actor=admin.name
    )
    await roles.grant_registry_role(
        graph,
        org_id=registry.org_id,
        registry_id=registry.id,
        user=bob.name,
        role=RegistryRole.ADMIN,
        actor=admin.name,
    )
    await memberships.remove_member(graph, org, bob.name, actor=admin.name)
    count = await graph.read(
        fetch_one, "MATCH (:User {id: $u})-[g:REGISTRY_ROLE]->() RETURN count(g) AS n", u=bob.id
    )
    assert count == {"n": 0}


async def test_unknown_names_and_roles_are_refused(
    graph: Graph, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    admin = await founded(graph, make_user, org)
    bob = await make_user("bob")
    with pytest.raises(NotFound, match="not found"):
        await memberships.add_member(graph, unique("nope"), bob.name, "member", actor=admin.name)
    with pytest.raises(NotFound, match="User"):
        await memberships.add_member(graph, org, unique("ghost"), "member", actor=admin.name)
    with pytest.raises(InvalidInput):
        await memberships.add_member(graph, org, bob.name, "owner", actor=admin.name)
    with pytest.raises(NotFound, match="not a member"):
        await memberships.set_member_role(graph, org, bob.name, "viewer", actor=admin.name)
    with pytest.raises(NotFound, match="not a member"):
        await memberships.remove_member(graph, org, bob.name, actor=admin.name)
