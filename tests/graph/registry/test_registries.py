from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graph.access.memberships import add_member
from graph.access.orgs import ensure_organization
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, InvalidInput, InvalidName, NotFound, TypeNotAccepted
from graph.core.tx import fetch_single
from graph.registry import admin as registry_admin
from graph.registry import collections, registries
from graph.registry import roles as registry_roles
from graph.registry.records import RegistryRole, Visibility
from tests.registry_fixtures import make_user


async def test_core_registries_appear_once_even_when_read_concurrently(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await ensure_organization(graph, org)
    results = await asyncio.gather(*(registries.registry_names(graph, org) for _ in range(8)))
    assert all([name for _, name in names] == ["dataset", "model"] for names in results)
    row = await graph.read(
        fetch_single,
        "MATCH (o:Organization {name: $org})-[:HAS_REGISTRY]->(r:Registry) "
        "RETURN count(r) AS n, collect(r.name) AS names",
        org=org,
    )
    assert row["n"] == 2
    model = await registries.require_registry(graph, org, "model")
    assert (model.is_core, model.accepted_types, model.accepts_any_type) == (
        True,
        ("model",),
        False,
    )
    assert model.visibility is Visibility.ORGANIZATION
    dataset = await registries.require_registry(graph, org, "dataset")
    assert dataset.accepted_types == ("dataset",)


async def test_registries_of_an_unknown_organization_are_not_found(graph: Graph) -> None:
    with pytest.raises(NotFound, match="no-such-org-xyz"):
        await registries.registry_names(graph, "no-such-org-xyz")


async def test_custom_registry_types_only_grow(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    await ensure_organization(graph, org)
    created = await registry_admin.create_registry(
        graph,
        org,
        "evals",
        description="evaluation sets",
        accepted_types=["eval-set", "dataset", "dataset"],
        visibility=Visibility.RESTRICTED,
        protected_aliases=["production"],
        actor="alice",
    )
    assert created.accepted_types == ("dataset", "eval-set")
    assert created.visibility is Visibility.RESTRICTED
    assert created.protected_aliases == ("production",)
    assert not created.is_core
    updated = await registry_admin.update_registry(
        graph, org, "evals", add_accepted_types=["report"], actor="alice"
    )
    assert updated.accepted_types == ("dataset", "eval-set", "report")
    assert updated.description == "evaluation sets"
    widened = await registry_admin.update_registry(
        graph, org, "evals", accept_any_type=True, visibility=Visibility.ORGANIZATION, actor="a"
    )
    assert widened.accepts_any_type and widened.accepts("anything")
    assert widened.visibility is Visibility.ORGANIZATION
    names = [name for _, name in await registries.registry_names(graph, org)]
    assert names == ["dataset", "evals", "model"]
    audit = await graph.read(
        fetch_single,
        "MATCH (e:AuditEvent {org_id: $org_id, target_id: $id}) "
        "RETURN collect(e.action) AS actions",
        org_id=created.org_id,
        id=created.id,
    )
    assert sorted(audit["actions"]) == ["registry.create", "registry.update", "registry.update"]


async def test_registry_creation_refusals(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    await ensure_organization(graph, org)
    with pytest.raises(AlreadyExists):
        await registry_admin.create_registry(graph, org, "model", accepted_types=["x"], actor="a")
    with pytest.raises(InvalidInput, match="accept any type"):
        await registry_admin.create_registry(graph, org, "empty", actor="a")
    with pytest.raises(InvalidName):
        await registry_admin.create_registry(
            graph, org, "bad/name", accepts_any_type=True, actor="a"
        )
    with pytest.raises(InvalidInput, match="latest"):
        await registry_admin.create_registry(
            graph, org, "r", accepts_any_type=True, protected_aliases=["latest"], actor="a"
        )
    with pytest.raises(InvalidInput, match="core registry"):
        await registry_admin.update_registry(
            graph, org, "model", add_accepted_types=["x"], actor="a"
        )
    with pytest.raises(NotFound, match="'nope'"):
        await registry_admin.update_registry(graph, org, "nope", description="x", actor="a")
    await registry_admin.create_registry(graph, org, "twice", accepts_any_type=True, actor="a")
    with pytest.raises(AlreadyExists):
        await registry_admin.create_registry(graph, org, "twice", accepts_any_type=True, actor="a")


async def test_registry_roles_are_stored_replaced_and_revoked(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await ensure_organization(graph, org)
    bob, carol = unique("bob"), unique("carol")
    await make_user(graph, bob)
    await make_user(graph, carol)
    reg = await registry_admin.create_registry(graph, org, "team", accepts_any_type=True, actor="a")
    args = {"org_id": reg.org_id, "registry_id": reg.id, "actor": "alice"}
    # only members of the organisation hold registry roles; any other name is "not a member"
    outsider = unique("outsider")
    await make_user(graph, outsider)
    for name in (outsider, unique("ghost")):
        with pytest.raises(NotFound, match=f"'{name}' is not a member of '{org}'"):
            await registry_roles.grant_registry_role(
                graph, user=name, role=RegistryRole.VIEWER, **args
            )
    for name in (bob, carol):
        await add_member(graph, org, name, "viewer", actor="alice")
    await registry_roles.grant_registry_role(graph, user=bob, role=RegistryRole.VIEWER, **args)
    await registry_roles.grant_registry_role(graph, user=bob, role=RegistryRole.ADMIN, **args)
    await registry_roles.grant_registry_role(graph, user=carol, role=RegistryRole.MEMBER, **args)
    roles, total = await registry_roles.registry_roles(graph, reg.id, 0, 10)
    assert total == 2
    assert [(r.user_name, r.role) for r in roles] == [
        (bob, RegistryRole.ADMIN),
        (carol, RegistryRole.MEMBER),
    ]
    assert await registry_roles.revoke_registry_role(
        graph, org_id=reg.org_id, registry_id=reg.id, user=bob, actor="alice"
    )
    assert not await registry_roles.revoke_registry_role(
        graph, org_id=reg.org_id, registry_id=reg.id, user=bob, actor="alice"
    )
    roles, total = await registry_roles.registry_roles(graph, reg.id, 0, 10)
    assert (total, [r.user_name for r in roles]) == (1, [carol])
    with pytest.raises(NotFound, match="ghost"):
        await registry_roles.grant_registry_role(
            graph, user=unique("ghost"), role=RegistryRole.VIEWER, **args
        )


async def test_explicit_collections_check_type_and_keep_it(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await ensure_organization(graph, org)
    created = await collections.create_collection(
        graph,
        org,
        "model",
        "resnet",
        type="model",
        description="ResNet family",
        tags=["vision", "cnn", "vision"],
        actor="alice",
    )
    assert (created.type, created.tags, created.version_count) == ("model", ("cnn", "vision"), 0)
    assert created.path == f"{org}/registry-model/resnet"
    with pytest.raises(AlreadyExists):
        await collections.create_collection(graph, org, "model", "resnet", type="model", actor="a")
    with pytest.raises(TypeNotAccepted, match="'dataset'"):
        await collections.create_collection(graph, org, "model", "d", type="dataset", actor="a")
    with pytest.raises(NotFound, match="Registry 'nope'"):
        await collections.create_collection(graph, org, "nope", "c", type="model", actor="a")
    updated = await collections.update_collection(
        graph, org, "model", "resnet", tags=["prod"], actor="alice"
    )
    assert (updated.description, updated.tags) == ("ResNet family", ("prod",))
    found = await collections.collection_by_name(graph, org, "model", "resnet")
    assert found == updated
    assert await collections.collections_by_ids(graph, [created.id, "missing"]) == [updated, None]
