"""Registry roles are for members of the organisation (issue 11, item 1.3).

A user with a role on a registry but no membership used to read the source versions' private
fields through `registryVersion { artifactVersion { ... } }` while `node(id:)` refused the same
version. Now a registry role is a refinement inside the team: only members may be given one,
and a role held without membership (granted before the rule) opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graph.access.memberships import add_member
from graph.core.driver import Graph
from graph.core.tx import fetch_all
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import World, build_world, snapshot
from tests.conftest import ApiClient

SET_ROLE = """
mutation($o: String!, $r: String!, $u: String!) {
  setRegistryRole(input: {organization: $o, registry: $r, user: $u, role: VIEWER}) {
    grant { user role } errors { code message field }
  }
}
"""

PRIVATE = """
query($p: String!) {
  registryVersion(path: $p) {
    path artifactVersion { metadata tags createdBy description }
  }
}
"""

NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.fixture
async def world(api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]) -> World:
    return await build_world(api, await make_user("victim"), unique("org"))


def codes(body: dict[str, object]) -> list[str]:
    errors = body.get("errors") or []
    assert isinstance(errors, list)
    return [e["extensions"]["code"] for e in errors]


async def test_only_members_may_be_given_a_registry_role(
    api: ApiClient,
    graph: Graph,
    world: World,
    make_user: MakeUser,
    unique: Callable[[str], str],
) -> None:
    outsider = await make_user("outsider")
    before = await snapshot(graph, world.org)
    refused = await api.data(
        SET_ROLE, {"o": world.org, "r": world.registry, "u": outsider.name}, world.admin.headers
    )
    ghost = unique("ghost")
    unknown = await api.data(
        SET_ROLE, {"o": world.org, "r": world.registry, "u": ghost}, world.admin.headers
    )
    # an existing outsider and a name nobody has get the same answer (no user enumeration)
    assert refused["setRegistryRole"] == {
        "grant": None,
        "errors": [
            {
                "code": "NOT_FOUND",
                "message": f"{outsider.name!r} is not a member of {world.org!r}",
                "field": "user",
            }
        ],
    }
    assert str(unknown).replace(ghost, outsider.name) == str(refused)
    assert await snapshot(graph, world.org) == before

    await add_member(graph, world.org, outsider.name, "viewer", actor=world.admin.name)
    granted = await api.data(
        SET_ROLE, {"o": world.org, "r": world.registry, "u": outsider.name}, world.admin.headers
    )
    assert granted["setRegistryRole"] == {
        "grant": {"user": outsider.name, "role": "VIEWER"},
        "errors": [],
    }


async def _legacy_registry_role(graph: Graph, world: World, user: Identity) -> None:
    """A registry role held without membership, as the API granted before the rule (no graph
    function makes one any more, so this writes the edge the old grant wrote)."""
    await graph.write(
        fetch_all,
        "MATCH (u:User {id: $user}), (:Organization {name: $org})-[:HAS_REGISTRY]->"
        "(r:Registry {name: $registry}) MERGE (u)-[g:REGISTRY_ROLE]->(r) SET g.role = 'viewer'",
        user=user.id,
        org=world.org,
        registry=world.registry,
    )


async def test_a_registry_role_without_membership_reads_nothing(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    outsider = await make_user("outsider")
    await _legacy_registry_role(graph, world, outsider)
    h = outsider.headers
    body = await api.gql(PRIVATE, {"p": world.registry_version_path}, headers=h)
    assert body["data"] == {"registryVersion": None} and codes(body) == ["FORBIDDEN"]
    for kind in ("RegistryVersion", "ArtifactVersion", "Collection", "Registry"):
        node = await api.gql(NODE, {"id": world.ids[kind]}, headers=h)
        assert node["data"] == {"node": None} and codes(node) == ["FORBIDDEN"], kind
    alias = await api.gql(
        'mutation($p: String!) { setCollectionAlias(input: {path: $p, alias: "x"}) '
        "{ errors { code } } }",
        {"p": world.registry_version_path},
        headers=h,
    )
    assert alias["data"]["setCollectionAlias"]["errors"] == [{"code": "FORBIDDEN"}]


async def test_registry_readers_read_the_source_version_exactly_as_node_does(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    viewer = await make_user("viewer")
    await add_member(graph, world.org, viewer.name, "viewer", actor=world.admin.name)
    granted = await api.data(
        SET_ROLE, {"o": world.org, "r": world.registry, "u": viewer.name}, world.admin.headers
    )
    assert granted["setRegistryRole"]["errors"] == []
    h = viewer.headers
    body = await api.data(PRIVATE, {"p": world.registry_version_path}, headers=h)
    source = body["registryVersion"]["artifactVersion"]
    assert source["createdBy"] == world.admin.name
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { metadata tags createdBy "
        "description } } }",
        {"id": world.ids["ArtifactVersion"]},
        headers=h,
    )
    assert node["node"] == source
