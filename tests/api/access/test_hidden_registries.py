"""A RESTRICTED registry the caller may not see answers exactly as a registry that does not exist.

Issue 11, item 1.4: members without a role on a RESTRICTED registry (and anonymous readers) must
not learn that it exists, neither from a difference between FORBIDDEN and null or NOT_FOUND, nor
from a message naming it. Every root field and mutation that takes a registry by name or path is
called twice, once naming the hidden registry and once a name nobody uses, and the two answers
must be the same text once the names are swapped.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.context import Services
from graph.access.memberships import add_member
from graph.core.driver import Graph
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import World, build_world, snapshot
from tests.conftest import ApiClient

MISSING = "nowhere-registry"
"""A registry name no organisation uses (the world's hidden registry is `vault`)."""

Build = Callable[[World, str], dict[str, Any]]

ERRORS = "errors { code message field }"

QUERIES: list[tuple[str, str, Build]] = [
    (
        "registry",
        "query($o: String!, $r: String!) { registry(organization: $o, name: $r) { name } }",
        lambda w, r: {"o": w.org, "r": r},
    ),
    (
        "registryCollection",
        "query($p: String!) { registryCollection(path: $p) { name } }",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier"},
    ),
    (
        "registryVersion",
        "query($p: String!) { registryVersion(path: $p) { path } }",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier:v0"},
    ),
    (
        "registryVersion (wandb prefix)",
        "query($p: String!) { registryVersion(path: $p) { path } }",
        lambda w, r: {"p": f"{w.org}/wandb-registry-{r}/classifier:staging"},
    ),
    (
        "lineage from a registry path",
        "query($p: ID!) { lineage(seed: $p, depth: 1) { nodeCount } }",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier:v0"},
    ),
]

MUTATIONS: list[tuple[str, str, Build]] = [
    (
        "linkArtifact",
        "mutation($t: String!, $a: String!) { linkArtifact(input: {targetPath: $t, "
        f"artifactPath: $a}}) {{ created {ERRORS} }} }}",
        lambda w, r: {"t": f"{w.org}/registry-{r}/classifier", "a": w.version_path},
    ),
    (
        # the registry must be the first thing refused: a missing source version named along
        # with it must not make a missing registry answer differently from a hidden one
        "linkArtifact of a missing version",
        "mutation($t: String!, $a: String!) { linkArtifact(input: {targetPath: $t, "
        f"artifactPath: $a}}) {{ created {ERRORS} }} }}",
        lambda w, r: {"t": f"{w.org}/registry-{r}/classifier", "a": f"{w.artifact_path}:v99"},
    ),
    (
        "unlinkArtifact",
        "mutation($p: String!) { unlinkArtifact(input: {path: $p}) "
        f"{{ unlinkedIndex {ERRORS} }} }}",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier:v0"},
    ),
    (
        "setCollectionAlias",
        'mutation($p: String!) { setCollectionAlias(input: {path: $p, alias: "x"}) '
        f"{{ registryVersion {{ path }} {ERRORS} }} }}",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier:v0"},
    ),
    (
        "removeCollectionAlias",
        'mutation($p: String!) { removeCollectionAlias(input: {collectionPath: $p, alias: "staging"'
        f"}}) {{ removed {ERRORS} }} }}",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier"},
    ),
    (
        "createCollection",
        "mutation($o: String!, $r: String!) { createCollection(input: {organization: $o, "
        f'registry: $r, name: "fresh", type: "model"}}) {{ collection {{ path }} {ERRORS} }} }}',
        lambda w, r: {"o": w.org, "r": r},
    ),
    (
        "updateCollection",
        "mutation($o: String!, $r: String!) { updateCollection(input: {organization: $o, "
        f'registry: $r, name: "classifier", description: "d"}}) {{ collection {{ path }} {ERRORS}'
        " } }",
        lambda w, r: {"o": w.org, "r": r},
    ),
    (
        "updateRegistry",
        "mutation($o: String!, $r: String!) { updateRegistry(input: {organization: $o, name: $r, "
        f'description: "d"}}) {{ registry {{ name }} {ERRORS} }} }}',
        lambda w, r: {"o": w.org, "r": r},
    ),
    (
        "setRegistryRole",
        "mutation($o: String!, $r: String!, $u: String!) { setRegistryRole(input: "
        "{organization: $o, registry: $r, user: $u, role: ADMIN}) "
        f"{{ grant {{ user }} {ERRORS} }} }}",
        lambda w, r: {"o": w.org, "r": r, "u": w.admin.name},
    ),
    (
        "removeRegistryRole",
        "mutation($o: String!, $r: String!, $u: String!) { removeRegistryRole(input: "
        f"{{organization: $o, registry: $r, user: $u}}) {{ removed {ERRORS} }} }}",
        lambda w, r: {"o": w.org, "r": r, "u": w.admin.name},
    ),
    (
        "deleteCollection",
        "mutation($p: String!) { deleteCollection(input: {path: $p, unlinkVersions: true}) "
        f"{{ path {ERRORS} }} }}",
        lambda w, r: {"p": f"{w.org}/registry-{r}/classifier"},
    ),
    (
        "deleteRegistry",
        "mutation($o: String!, $r: String!) { deleteRegistry(input: {organization: $o, name: $r})"
        f" {{ deletedRegistryId {ERRORS} }} }}",
        lambda w, r: {"o": w.org, "r": r},
    ),
]


@pytest.fixture
async def world(api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]) -> World:
    """The victim organisation: its RESTRICTED registry `vault` holds `classifier:v0`."""
    return await build_world(api, await make_user("victim"), unique("org"))


async def _member(graph: Graph, world: World, make_user: MakeUser, role: str) -> Identity:
    person = await make_user(role)
    await add_member(graph, world.org, person.name, role, actor=world.admin.name)
    return person


def _swapped(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True).replace(MISSING, "vault")


async def _same_answers(
    client: ApiClient, world: World, cases: list[tuple[str, str, Build]], headers: dict[str, str]
) -> list[str]:
    """Each case's answer for the hidden registry, after checking it equals the missing one's."""
    seen = []
    for name, query, build in cases:
        hidden = await client.gql(query, build(world, "vault"), headers=headers)
        missing = await client.gql(query, build(world, MISSING), headers=headers)
        assert _swapped(hidden) == _swapped(missing), (name, hidden, missing)
        seen.append(_swapped(hidden))
    return seen


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_a_hidden_registry_answers_like_a_missing_one(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser, role: str
) -> None:
    person = await _member(graph, world, make_user, role)
    before = await snapshot(graph, world.org)
    answers = await _same_answers(api, world, QUERIES + MUTATIONS, person.headers)
    assert "FORBIDDEN" not in "".join(answers[: len(QUERIES)])
    assert await snapshot(graph, world.org) == before
    # the organisation admin sees it: the cases above did reach the registry
    found = await api.data(
        QUERIES[2][1], QUERIES[2][2](world, "vault"), headers=world.admin.headers
    )
    assert found == {"registryVersion": {"path": world.registry_version_path}}


async def test_node_ids_of_a_hidden_registry_read_as_unknown_ids(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    person = await _member(graph, world, make_user, "member")
    query = "query($id: ID!) { node(id: $id) { id } }"
    for kind in ("Registry", "Collection", "RegistryVersion"):
        body = await api.gql(query, {"id": world.ids[kind]}, headers=person.headers)
        assert body == {"data": {"node": None}}, kind
        seen = await api.data(query, {"id": world.ids[kind]}, headers=world.admin.headers)
        assert seen == {"node": {"id": world.ids[kind]}}


@pytest.fixture
async def public(s3_services: Services) -> AsyncIterator[ApiClient]:
    """The in-process app with anonymous reading allowed, called without a key."""
    settings = dataclasses.replace(s3_services.settings, allow_anonymous_read=True)
    app = create_app(settings, services=dataclasses.replace(s3_services, settings=settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lineage.test") as http:
        yield ApiClient(http=http)


async def test_anonymous_readers_cannot_tell_a_hidden_registry_from_a_missing_one(
    public: ApiClient, world: World
) -> None:
    answers = await _same_answers(public, world, QUERIES, {})
    assert "FORBIDDEN" not in "".join(answers)


async def test_a_refused_deletion_does_not_name_collections_the_caller_cannot_see(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    person = await _member(graph, world, make_user, "member")
    refused = await api.data(
        "mutation($p: String!) { deleteArtifact(input: {path: $p, deleteAliases: true}) "
        "{ errors { code message field } } }",
        {"p": world.artifact_path},
        headers=person.headers,
    )
    [error] = refused["deleteArtifact"]["errors"]
    assert error["code"] == "HAS_LINKED_VERSIONS"
    assert "vault" not in error["message"] and "classifier" not in error["message"]
    assert error["message"] == (
        f"1 version(s) of {world.artifact_path} are linked in the registry (v0 in a "
        "restricted registry); unlink them or delete those collections first"
    )
