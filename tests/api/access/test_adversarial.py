"""Attacks from inside: other teams, viewers, members against admin-only TTLs, revoked keys,
cross-team references and injection strings in every name field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.access.memberships import add_member
from graph.core.driver import Graph
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import World, build_world, snapshot
from tests.conftest import ApiClient

INJECTIONS = [
    "x' OR '1'='1",
    'x"}) MATCH (n) DETACH DELETE n //',
    "x` RETURN 1 //",
    "$org",
    "x\nMATCH (n) RETURN n",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x\u202etxt.exe",
    "x\x00y",
    "{{7*7}}",
]

CREATE_PROJECT = """
mutation($org: String!, $name: String!) {
  createProject(input: {organization: $org, name: $name}) { errors { code field } }
}
"""


def codes(body: dict[str, Any]) -> set[str]:
    found = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict):
            found |= {e["code"] for e in value.get("errors") or []}
    return {c for c in found if c}


@pytest.fixture
async def world(api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]) -> World:
    return await build_world(api, await make_user("victim"), unique("org"))


async def member(api: ApiClient, world: World, make_user: MakeUser, role: str) -> Identity:
    person = await make_user(role.lower())
    # a server admin adds them: an organisation admin may add only users they already share an
    # organisation with (tests/api/access/test_member_enumeration.py)
    root = await make_user("root", server_admin=True)
    added = await api.data(
        "mutation($o: String!, $u: String!, $r: Role!) { addOrganizationMember(input: "
        "{organization: $o, user: $u, role: $r}) { errors { code } } }",
        {"o": world.org, "u": person.name, "r": role},
        headers=root.headers,
    )
    assert added["addOrganizationMember"]["errors"] == []
    return person


async def test_another_teams_key_cannot_pull_data_across_by_reference(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser, unique: Callable[[str], str]
) -> None:
    stranger = await make_user("stranger")
    own = unique("org")
    await api.data(CREATE_PROJECT, {"org": own, "name": "p"}, headers=stranger.headers)
    before = await snapshot(graph, world.org)
    h = stranger.headers
    # the victim's version linked into the stranger's own registry
    body = await api.gql(
        "mutation($t: String!, $p: String!, $v: ID!) { a: linkArtifact(input: {targetPath: $t, "
        "artifactPath: $p}) { errors { code } } b: linkArtifact(input: {targetPath: $t, "
        "artifactVersionId: $v}) { errors { code } } }",
        {
            "t": f"{own}/registry-model/stolen",
            "p": world.version_path,
            "v": world.ids["ArtifactVersion"],
        },
        headers=h,
    )
    assert body["data"]["a"]["errors"][0]["code"] == "FORBIDDEN"
    # by id: another organisation's version is answered as a missing one (no existence oracle)
    assert body["data"]["b"]["errors"][0]["code"] == "NOT_FOUND"
    assert world.org not in str(body) and world.version_path not in str(body)
    # the victim's version as the base of a draft in the stranger's own organisation
    body = await api.gql(
        "mutation($i: CreateArtifactDraftInput!) { createArtifactDraft(input: $i) "
        "{ draftId errors { code message } } }",
        {
            "i": {
                "organization": own,
                "project": "p",
                "artifact": world.artifact,
                "type": "model",
                "baseVersion": world.ids["ArtifactVersion"],
            }
        },
        headers=h,
    )
    payload = body["data"]["createArtifactDraft"]
    assert payload["draftId"] is None and payload["errors"]
    assert world.org not in payload["errors"][0]["message"]
    # the victim's version among the stranger's own in one batched read
    body = await api.gql(
        "query($ids: [ID!]!) { artifactFiles(versionIds: $ids) { version { path } } }",
        {"ids": [world.ids["ArtifactVersion"]]},
        headers=h,
    )
    assert codes(body) == {"FORBIDDEN"} and body["data"] is None
    assert world.version_path not in str(body)
    # the stranger's own run consuming or producing the victim's version, or a path between
    run = await api.data(
        'mutation($o: String!) { createRun(input: {organization: $o, project: "p", '
        'jobType: "x"}) { run { id } } }',
        {"o": own},
        headers=h,
    )
    own_run = run["createRun"]["run"]["id"]
    for field in ("useArtifact", "recordProduced"):
        body = await api.gql(
            f"mutation($r: ID!, $v: ID!) {{ {field}(input: {{run: $r, version: $v}}) "
            "{ version { id } errors { code message } } }",
            {"r": own_run, "v": world.ids["ArtifactVersion"]},
            headers=h,
        )
        # refused as forbidden, or as a cross-organisation edge, without naming the victim
        assert codes(body) <= {"FORBIDDEN", "INVALID_INPUT"} and codes(body), (field, body)
        assert body["data"][field]["version"] is None
        assert world.org not in str(body) and world.artifact not in str(body)
    body = await api.gql(
        "query($a: ID!, $b: ID!) { lineagePaths(from: $a, to: $b) { __typename } }",
        {"a": own_run, "b": world.ids["ArtifactVersion"]},
        headers=h,
    )
    assert codes(body) == {"FORBIDDEN"}
    assert await snapshot(graph, world.org) == before


async def test_a_viewer_reads_but_cannot_write(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    viewer = await member(api, world, make_user, "VIEWER")
    h = viewer.headers
    read = await api.data(
        "query($p: String!) { artifactVersion(path: $p) { path } }",
        {"p": world.version_path},
        headers=h,
    )
    assert read == {"artifactVersion": {"path": world.version_path}}
    before = await snapshot(graph, world.org)
    attempts = [
        (CREATE_PROJECT, {"org": world.org, "name": "q"}),
        (
            'mutation($v: ID!) { setArtifactAlias(input: {versionId: $v, alias: "mine"}) '
            "{ errors { code } } }",
            {"v": world.ids["ArtifactVersion"]},
        ),
        (
            "mutation($i: CreateArtifactDraftInput!) { createArtifactDraft(input: $i) "
            "{ errors { code } } }",
            {
                "i": {
                    "organization": world.org,
                    "project": world.project,
                    "artifact": world.artifact,
                    "type": "model",
                }
            },
        ),
        (
            "mutation($v: ID!) { deleteArtifactVersion(input: {versionId: $v}) "
            "{ errors { code } } }",
            {"v": world.ids["ArtifactVersion"]},
        ),
        (
            'mutation($o: String!) { createRegistry(input: {organization: $o, name: "r2"}) '
            "{ errors { code } } }",
            {"o": world.org},
        ),
    ]
    for query, variables in attempts:
        assert codes(await api.gql(query, variables, headers=h)) == {"FORBIDDEN"}, query
    assert await snapshot(graph, world.org) == before


async def test_a_member_cannot_change_ttl_where_the_team_restricts_it(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    writer = await member(api, world, make_user, "MEMBER")
    set_ttl = (
        "mutation($v: ID!, $t: Int) { setArtifactVersionTtl(input: {versionId: $v, "
        "ttlSeconds: $t}) { version { ttlSeconds } errors { code } } }"
    )
    variables = {"v": world.ids["ArtifactVersion"], "t": 3600}
    allowed = await api.data(set_ttl, variables, headers=writer.headers)
    assert allowed["setArtifactVersionTtl"] == {"version": {"ttlSeconds": 3600}, "errors": []}

    policy = await api.data(
        "mutation($o: String!) { setOrganizationTtlPolicy(input: {organization: $o, "
        "defaultTtlSeconds: null, adminsOnly: true}) { errors { code } } }",
        {"o": world.org},
        headers=writer.headers,
    )
    assert policy["setOrganizationTtlPolicy"]["errors"] == [{"code": "FORBIDDEN"}]
    policy = await api.data(
        "mutation($o: String!) { setOrganizationTtlPolicy(input: {organization: $o, "
        "defaultTtlSeconds: null, adminsOnly: true}) { errors { code } } }",
        {"o": world.org},
        headers=world.admin.headers,
    )
    assert policy["setOrganizationTtlPolicy"]["errors"] == []

    before = await snapshot(graph, world.org)
    refused = await api.data(set_ttl, dict(variables, t=60), headers=writer.headers)
    assert refused["setArtifactVersionTtl"] == {"version": None, "errors": [{"code": "FORBIDDEN"}]}
    draft = await api.data(
        "mutation($i: CreateArtifactDraftInput!) { createArtifactDraft(input: $i) "
        "{ draftId errors { code } } }",
        {
            "i": {
                "organization": world.org,
                "project": world.project,
                "artifact": world.artifact,
                "type": "model",
                "ttlSeconds": 60,
            }
        },
        headers=writer.headers,
    )
    assert draft["createArtifactDraft"] == {"draftId": None, "errors": [{"code": "FORBIDDEN"}]}
    assert await snapshot(graph, world.org) == before
    done = await api.data(set_ttl, dict(variables, t=60), headers=world.admin.headers)
    assert done["setArtifactVersionTtl"] == {"version": {"ttlSeconds": 60}, "errors": []}


async def test_restricted_registries_are_invisible_to_members_without_a_role(
    api: ApiClient, world: World, make_user: MakeUser
) -> None:
    writer = await member(api, world, make_user, "MEMBER")
    query = "query($p: String!) { registryVersion(path: $p) { path } }"
    body = await api.gql(query, {"p": world.registry_version_path}, headers=writer.headers)
    assert body == {"data": {"registryVersion": None}}  # as for a registry nobody created
    listed = await api.data(
        "query($o: String!) { registries(organization: $o, first: 50) "
        "{ edges { node { name } } } }",
        {"o": world.org},
        headers=writer.headers,
    )
    assert world.registry not in [e["node"]["name"] for e in listed["registries"]["edges"]]
    granted = await api.data(
        "mutation($o: String!, $r: String!, $u: String!) { setRegistryRole(input: "
        "{organization: $o, registry: $r, user: $u, role: VIEWER}) { errors { code } } }",
        {"o": world.org, "r": world.registry, "u": writer.name},
        headers=world.admin.headers,
    )
    assert granted["setRegistryRole"]["errors"] == []
    body = await api.data(query, {"p": world.registry_version_path}, headers=writer.headers)
    assert body == {"registryVersion": {"path": world.registry_version_path}}
    alias = await api.gql(
        'mutation($p: String!) { setCollectionAlias(input: {path: $p, alias: "x"}) '
        "{ errors { code } } }",
        {"p": world.registry_version_path},
        headers=writer.headers,
    )
    assert codes(alias) == {"FORBIDDEN"}


async def test_a_revoked_key_fails_on_its_very_next_request(
    api: ApiClient, anonymous: ApiClient, world: World
) -> None:
    made = await api.data(
        'mutation { createApiKey(input: {label: "temp"}) { secret apiKey { id } } }',
        headers=world.admin.headers,
    )
    key = {"authorization": f"Bearer {made['createApiKey']['secret']}"}
    query = "query($o: String!) { organization(name: $o) { name } }"
    assert (await anonymous.data(query, {"o": world.org}, headers=key))["organization"]
    revoked = await anonymous.data(
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { errors { code } } }",
        {"id": made["createApiKey"]["apiKey"]["id"]},
        headers=key,  # a key may revoke itself
    )
    assert revoked["revokeApiKey"]["errors"] == []
    body = await anonymous.gql(query, {"o": world.org}, headers=key)
    assert codes(body) == {"UNAUTHENTICATED"} and body["data"] == {"organization": None}


NAME_FIELDS: list[tuple[str, str, Callable[[str, str], dict[str, Any]]]] = [
    ("createOrganization", "CreateOrganizationInput", lambda org, bad: {"name": bad}),
    ("createProject", "CreateProjectInput", lambda org, bad: {"organization": bad, "name": "p"}),
    ("createProject", "CreateProjectInput", lambda org, bad: {"organization": org, "name": bad}),
    (
        "createArtifactDraft",
        "CreateArtifactDraftInput",
        lambda org, bad: {"organization": org, "project": "p", "artifact": bad, "type": "m"},
    ),
    (
        "createArtifactDraft",
        "CreateArtifactDraftInput",
        lambda org, bad: {"organization": org, "project": bad, "artifact": "a", "type": "m"},
    ),
    (
        "createArtifactDraft",
        "CreateArtifactDraftInput",
        lambda org, bad: {"organization": org, "project": "p", "artifact": "a", "type": bad},
    ),
    (
        "createArtifactDraft",
        "CreateArtifactDraftInput",
        lambda org, bad: {
            "organization": org,
            "project": "p",
            "artifact": "a",
            "type": "m",
            "aliases": [bad],
        },
    ),
    ("createRegistry", "CreateRegistryInput", lambda org, bad: {"organization": org, "name": bad}),
    (
        "createCollection",
        "CreateCollectionInput",
        lambda org, bad: {"organization": org, "registry": "model", "name": bad, "type": "model"},
    ),
    ("createUser", "CreateUserInput", lambda org, bad: {"name": bad}),
    (
        "addOrganizationMember",
        "AddOrganizationMemberInput",
        lambda org, bad: {"organization": org, "user": bad},
    ),
    ("setCollectionAlias", "SetCollectionAliasInput", lambda org, bad: {"path": bad, "alias": "a"}),
    (
        "linkArtifact",
        "LinkArtifactInput",
        lambda org, bad: {"targetPath": bad, "artifactPath": bad},
    ),
]


@pytest.mark.parametrize("injection", INJECTIONS)
async def test_injection_strings_in_name_fields_are_refused_and_write_nothing(
    api: ApiClient, graph: Graph, make_user: MakeUser, unique: Callable[[str], str], injection: str
) -> None:
    root = await make_user("root", server_admin=True)
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"}, headers=root.headers)
    before = await snapshot(graph, org)
    for mutation, input_type, build in NAME_FIELDS:
        body = await api.gql(
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ errors {{ code }} }} }}",
            {"i": build(org, injection)},
            headers=root.headers,
        )
        found = codes(body)
        assert found and found <= {"INVALID_NAME", "INVALID_INPUT", "INVALID_PATH", "NOT_FOUND"}, (
            mutation,
            body,
        )
    assert await snapshot(graph, org) == before


@pytest.mark.parametrize("injection", [*INJECTIONS[:-2], "plain words: it's fine"])
async def test_injection_strings_in_free_text_are_stored_literally(
    api: ApiClient, injection: str
) -> None:
    made = await api.data(
        "mutation($l: String) { createApiKey(input: {label: $l}) { apiKey { id label } "
        "errors { code } } }",
        {"l": injection},
    )
    payload = made["createApiKey"]
    if payload["errors"]:  # control characters are refused, never stripped
        assert payload["errors"] == [{"code": "INVALID_INPUT"}] and not injection.isprintable()
        return
    assert payload["apiKey"]["label"] == injection
    found = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ApiKey { label } } }",
        {"id": payload["apiKey"]["id"]},
    )
    assert found == {"node": {"label": injection}}
    await api.data(
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { errors { code } } }",
        {"id": payload["apiKey"]["id"]},
    )


async def test_the_snapshot_sees_every_kind_of_write(
    api: ApiClient, graph: Graph, world: World, make_user: MakeUser
) -> None:
    """The instrument behind every 'nothing was written' above: each write changes it."""
    other = await make_user("other")
    # the admin may add `other` once they share an organisation
    elsewhere = await api.data(
        "mutation($o: String!) { createOrganization(input: {name: $o}) { errors { code } } }",
        {"o": f"{world.org}-elsewhere"},
        headers=world.admin.headers,
    )
    assert elsewhere["createOrganization"]["errors"] == []
    await add_member(graph, f"{world.org}-elsewhere", other.name, "viewer", actor="test")
    writes: list[tuple[str, dict[str, Any]]] = [
        (
            "mutation($v: ID!) { setArtifactVersionTtl(input: {versionId: $v, ttlSeconds: 99}) "
            "{ errors { code } } }",
            {"v": world.ids["ArtifactVersion"]},
        ),
        (
            'mutation($v: ID!) { setArtifactAlias(input: {versionId: $v, alias: "fresh"}) '
            "{ errors { code } } }",
            {"v": world.ids["ArtifactVersion"]},
        ),
        (
            "mutation($i: CreateArtifactDraftInput!) { createArtifactDraft(input: $i) "
            "{ errors { code } } }",
            {
                "i": {
                    "organization": world.org,
                    "project": world.project,
                    "artifact": "draft-only",
                    "type": "dataset",
                    "entries": [{"path": "a", "ref": "s3://b/a"}],
                }
            },
        ),
        (
            "mutation($o: String!, $u: String!) { addOrganizationMember(input: {organization: $o,"
            " user: $u, role: VIEWER}) { errors { code } } }",
            {"o": world.org, "u": other.name},
        ),
        (
            "mutation($o: String!) { updateCollection(input: {organization: $o, registry: "
            '"vault", name: "classifier", description: "new"}) { errors { code } } }',
            {"o": world.org},
        ),
        (
            'mutation($r: ID!) { updateRun(input: {id: $r, name: "renamed"}) { errors { code } } }',
            {"r": world.ids["Run"]},
        ),
    ]
    for query, variables in writes:
        before = await snapshot(graph, world.org)
        done = await api.data(query, variables, headers=world.admin.headers)
        assert next(iter(done.values()))["errors"] == [], (query, done)
        assert await snapshot(graph, world.org) != before, query
