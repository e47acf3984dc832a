from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import ApiClient
from tests.registry_fixtures import make_run, make_user, make_version

CREATE_PROJECT = """
mutation($org: String!) {
  createProject(input: {organization: $org, name: "proj"}) { errors { code } }
}
"""

LINK = """
mutation($input: LinkArtifactInput!) {
  linkArtifact(input: $input) {
    created collectionCreated
    registryVersion {
      id index version path aliases linkedBy artifactType digest sourcePath sourceVersionId
      artifactName projectName producingRunId producingRunName
      collection { name type path versionCount registry { name isCore } }
    }
    errors { code message field }
  }
}
"""

RESOLVE = """
query($path: String!) {
  registryVersion(path: $path) { id index path aliases sourceVersionId }
}
"""


async def new_org(api: ApiClient, unique: Callable[[str], str]) -> str:
    """An organisation the session user administers (created through the API)."""
    org = unique("org")
    data = await api.data(CREATE_PROJECT, {"org": org})
    assert data["createProject"]["errors"] == []
    return org


async def link(api: ApiClient, **input: Any) -> dict[str, Any]:
    data = await api.data(LINK, {"input": input})
    payload: dict[str, Any] = data["linkArtifact"]
    return payload


def global_id(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


async def test_link_resolve_and_read_back_through_graphql(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    v0 = await make_version(graph, org, "resnet", "model")
    v1 = await make_version(graph, org, "resnet", "model")
    run_id = await make_run(graph, v1, name="train-42")
    first = await link(api, artifactPath=v0.path, targetPath=f"{org}/wandb-registry-model/cls")
    assert first["errors"] == []
    assert (first["created"], first["collectionCreated"]) == (True, True)
    second = await link(
        api,
        artifactVersionId=global_id("ArtifactVersion", v1.id),
        targetPath=f"{org}/registry-model/cls",
        aliases=["candidate"],
    )
    rv = second["registryVersion"]
    assert rv == {
        "id": rv["id"],
        "index": 1,
        "version": "v1",
        "path": f"{org}/registry-model/cls:v1",
        "aliases": ["latest", "candidate"],
        "linkedBy": rv["linkedBy"],
        "artifactType": "model",
        "digest": v1.digest,
        "sourcePath": f"{org}/proj/resnet:v1",
        "sourceVersionId": global_id("ArtifactVersion", v1.id),
        "artifactName": "resnet",
        "projectName": "proj",
        "producingRunId": global_id("Run", run_id),
        "producingRunName": "train-42",
        "collection": {
            "name": "cls",
            "type": "model",
            "path": f"{org}/registry-model/cls",
            "versionCount": 2,
            "registry": {"name": "model", "isCore": True},
        },
    }
    assert rv["linkedBy"].startswith("test-user-")
    again = await link(api, artifactPath=v1.path, targetPath=f"{org}/registry-model/cls")
    assert (again["created"], again["registryVersion"]["index"]) == (False, 1)
    for path, index in (
        (f"{org}/registry-model/cls:v0", 0),
        (f"{org}/registry-model/cls:latest", 1),
        (f"{org}/wandb-registry-model/cls", 1),
        (f"{org}/registry-model/cls:candidate", 1),
    ):
        found = (await api.data(RESOLVE, {"path": path}))["registryVersion"]
        assert found["index"] == index, path
    assert (await api.data(RESOLVE, {"path": f"{org}/registry-model/cls:v9"})) == {
        "registryVersion": None
    }
    node = await api.data(
        "query($id: ID!) { node(id: $id) { __typename ... on RegistryVersion { path } } }",
        {"id": rv["id"]},
    )
    assert node["node"] == {"__typename": "RegistryVersion", "path": f"{org}/registry-model/cls:v1"}


async def test_link_refusals_are_typed(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    dataset = await make_version(graph, org, "ds", "dataset")
    cases = [
        ({"targetPath": f"{org}/registry-model/c"}, "TYPE_NOT_ACCEPTED", "'dataset'"),
        ({"targetPath": f"{org}/registry-nope/c"}, "NOT_FOUND", "Registry 'nope' not found"),
        ({"targetPath": f"{org}/model/c"}, "INVALID_PATH", "registry-<name>"),
        ({"targetPath": f"{org}/registry-dataset/c:v1"}, "INVALID_PATH", "without ':v1'"),
    ]
    for extra, code, text in cases:
        payload = await link(api, artifactPath=dataset.path, **extra)
        assert payload["registryVersion"] is None
        assert payload["errors"][0]["code"] == code, payload
        assert text in payload["errors"][0]["message"]
    both = await link(
        api,
        artifactPath=dataset.path,
        artifactVersionId=global_id("ArtifactVersion", dataset.id),
        targetPath=f"{org}/registry-dataset/c",
    )
    assert both["errors"][0]["code"] == "INVALID_INPUT"
    missing = await link(
        api, artifactPath=f"{org}/proj/ds:v7", targetPath=f"{org}/registry-dataset/c"
    )
    assert missing["errors"][0]["code"] == "NOT_FOUND"


REGISTRIES = """
query($org: String!) {
  registries(organization: $org) {
    totalCount
    edges { node { name isCore acceptsAnyType acceptedTypes visibility protectedAliases path } }
  }
}
"""


async def test_registries_are_listed_core_first_and_administered(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    created = await api.data(
        """mutation($org: String!) { createRegistry(input: {organization: $org, name: "evals",
             acceptedTypes: ["eval-set"], visibility: RESTRICTED}) {
           registry { name acceptedTypes visibility } errors { code } } }""",
        {"org": org},
    )
    assert created["createRegistry"] == {
        "registry": {"name": "evals", "acceptedTypes": ["eval-set"], "visibility": "RESTRICTED"},
        "errors": [],
    }
    updated = await api.data(
        """mutation($org: String!) { updateRegistry(input: {organization: $org, name: "evals",
             addAcceptedTypes: ["report"], protectedAliases: ["production"]}) {
           registry { acceptedTypes protectedAliases } errors { code } } }""",
        {"org": org},
    )
    assert updated["updateRegistry"]["registry"] == {
        "acceptedTypes": ["eval-set", "report"],
        "protectedAliases": ["production"],
    }
    listed = (await api.data(REGISTRIES, {"org": org}))["registries"]
    assert listed["totalCount"] == 3
    assert [e["node"]["name"] for e in listed["edges"]] == ["dataset", "model", "evals"]
    assert listed["edges"][1]["node"] == {
        "name": "model",
        "isCore": True,
        "acceptsAnyType": False,
        "acceptedTypes": ["model"],
        "visibility": "ORGANIZATION",
        "protectedAliases": [],
        "path": f"{org}/registry-model",
    }
    bob = unique("bob")
    await make_user(graph, bob)
    await add_member(graph, org, bob, "viewer", actor="test")  # registry roles are for members
    granted = await api.data(
        """mutation($org: String!, $user: String!) { setRegistryRole(input: {organization: $org,
             registry: "evals", user: $user, role: VIEWER}) {
           grant { user role } errors { code } } }""",
        {"org": org, "user": bob},
    )
    assert granted["setRegistryRole"] == {"grant": {"user": bob, "role": "VIEWER"}, "errors": []}
    roles = await api.data(
        """query($org: String!) { registry(organization: $org, name: "evals") {
             roles { totalCount edges { node { user role } } } } }""",
        {"org": org},
    )
    users = [e["node"]["user"] for e in roles["registry"]["roles"]["edges"]]
    assert bob in users and roles["registry"]["roles"]["totalCount"] == 2  # creator is admin
    unknown = await api.gql(REGISTRIES, {"org": unique("org")})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    core_refused = await api.data(
        """mutation($org: String!) { updateRegistry(input: {organization: $org, name: "model",
             addAcceptedTypes: ["dataset"]}) { registry { name } errors { code } } }""",
        {"org": org},
    )
    assert core_refused["updateRegistry"]["errors"] == [{"code": "INVALID_INPUT"}]


SEARCH = """
query($org: String!, $filter: CollectionFilter, $first: Int, $after: String,
      $order: CollectionOrder! = NAME) {
  registry(organization: $org, name: "model") {
    collections(filter: $filter, first: $first, after: $after, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { name tags description type } }
    }
  }
}
"""


async def test_collection_search_filters_and_pages(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    for name, tags, description in (
        ("bert", ["nlp", "prod"], "Text encoder"),
        ("gpt", ["nlp"], "Text decoder"),
        ("resnet", ["vision", "prod"], "Images"),
    ):
        made = await api.data(
            """mutation($input: CreateCollectionInput!) { createCollection(input: $input) {
                 collection { name } errors { code } } }""",
            {
                "input": {
                    "organization": org,
                    "registry": "model",
                    "name": name,
                    "type": "model",
                    "tags": tags,
                    "description": description,
                }
            },
        )
        assert made["createCollection"]["errors"] == []

    async def names(filter: dict[str, Any] | None) -> list[str]:
        data = await api.data(SEARCH, {"org": org, "filter": filter})
        conn = data["registry"]["collections"]
        assert conn["totalCount"] == len(conn["edges"])
        return [e["node"]["name"] for e in conn["edges"]]

    assert await names(None) == ["bert", "gpt", "resnet"]
    assert await names({"name": {"prefix": "g"}}) == ["gpt"]
    assert await names({"name": {"eq": "BERT", "ignoreCase": True}}) == ["bert"]
    assert await names({"description": {"contains": "Text"}}) == ["bert", "gpt"]
    assert await names({"tagsAll": ["nlp", "prod"]}) == ["bert"]
    assert await names({"tagsAny": ["vision"], "type": "model"}) == ["resnet"]
    assert await names({"type": "dataset"}) == []
    assert await names({"createdAfter": "2000-01-01T00:00:00Z"}) == ["bert", "gpt", "resnet"]
    assert await names({"createdBefore": "2000-01-01T00:00:00"}) == []
    first = (await api.data(SEARCH, {"org": org, "first": 2}))["registry"]["collections"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (3, True)
    rest = (
        await api.data(SEARCH, {"org": org, "first": 2, "after": first["pageInfo"]["endCursor"]})
    )["registry"]["collections"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["resnet"]
    assert (rest["totalCount"], rest["pageInfo"]["hasNextPage"]) == (3, False)
    bad = await api.gql(SEARCH, {"org": org, "filter": {"type": "a", "types": ["b"]}})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


ALIAS = """
mutation($path: String!, $alias: String!) {
  setCollectionAlias(input: {path: $path, alias: $alias}) {
    registryVersion { index aliases } errors { code message }
  }
}
"""

HISTORY = """
query($path: String!) {
  registryCollection(path: $path) {
    aliases { edges { node { name version } } }
    aliasHistory(alias: "production") {
      totalCount edges { node { alias action fromIndex toIndex by } }
    }
    versions { totalCount edges { node { version aliases } } }
  }
}
"""


async def test_aliases_protection_history_and_unlink(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    coll = f"{org}/registry-model/c"
    for _ in range(3):
        v = await make_version(graph, org, "m")
        assert (await link(api, artifactPath=v.path, targetPath=coll))["errors"] == []
    await api.data(
        """mutation($org: String!) { updateRegistry(input: {organization: $org, name: "model",
             protectedAliases: ["production"]}) { errors { code } } }""",
        {"org": org},
    )
    set0 = await api.data(ALIAS, {"path": f"{coll}:v0", "alias": "production"})
    assert set0["setCollectionAlias"] == {
        "registryVersion": {"index": 0, "aliases": ["production"]},
        "errors": [],
    }
    moved = await api.data(ALIAS, {"path": f"{coll}:v1", "alias": "production"})
    assert moved["setCollectionAlias"]["registryVersion"]["aliases"] == ["production"]

    member = unique("member")
    _, key = await create_user(graph, member, with_key=True)
    assert key is not None
    await add_member(graph, org, member, "member", actor="test")
    as_member = {"authorization": f"Bearer {key.secret}"}
    refused = await api.data(
        ALIAS, {"path": f"{coll}:v2", "alias": "production"}, headers=as_member
    )
    assert refused["setCollectionAlias"]["errors"][0]["code"] == "PROTECTED_ALIAS"
    allowed = await api.data(ALIAS, {"path": f"{coll}:v2", "alias": "staging"}, headers=as_member)
    assert allowed["setCollectionAlias"]["errors"] == []

    data = (await api.data(HISTORY, {"path": coll}))["registryCollection"]
    assert [(e["node"]["name"], e["node"]["version"]) for e in data["aliases"]["edges"]] == [
        ("latest", "v2"),
        ("production", "v1"),
        ("staging", "v2"),
    ]
    history = data["aliasHistory"]
    assert history["totalCount"] == 2
    assert [
        (n["action"], n["fromIndex"], n["toIndex"]) for n in (e["node"] for e in history["edges"])
    ] == [("move", 0, 1), ("set", None, 0)]
    assert data["versions"]["totalCount"] == 3
    assert [e["node"]["version"] for e in data["versions"]["edges"]] == ["v2", "v1", "v0"]

    unlinked = await api.data(
        """mutation($path: String!) { unlinkArtifact(input: {path: $path}) {
             unlinkedIndex removedAliases collection { versionCount } errors { code } } }""",
        {"path": f"{coll}:latest"},
    )
    assert unlinked["unlinkArtifact"] == {
        "unlinkedIndex": 2,
        "removedAliases": ["latest", "staging"],
        "collection": {"versionCount": 2},
        "errors": [],
    }
    latest = (await api.data(RESOLVE, {"path": coll}))["registryVersion"]
    assert (latest["index"], latest["aliases"]) == (1, ["latest", "production"])
    protected_unlink = await api.data(
        """mutation($path: String!) { unlinkArtifact(input: {path: $path}) { errors { code } } }""",
        {"path": f"{coll}:production"},
        headers=as_member,
    )
    assert protected_unlink["unlinkArtifact"]["errors"] == [{"code": "PROTECTED_ALIAS"}]


async def test_every_collection_a_version_is_linked_to(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    v = await make_version(graph, org, "m")
    for target in (f"{org}/registry-model/b", f"{org}/registry-model/a"):
        await link(api, artifactPath=v.path, targetPath=target)
    data = await api.data(
        """query($id: ID!) { registryMemberships(artifactVersionId: $id) {
             totalCount edges { node { path } } } }""",
        {"id": global_id("ArtifactVersion", v.id)},
    )
    assert data["registryMemberships"] == {
        "totalCount": 2,
        "edges": [
            {"node": {"path": f"{org}/registry-model/a:v0"}},
            {"node": {"path": f"{org}/registry-model/b:v0"}},
        ],
    }


async def test_collection_fields_and_remaining_mutations(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    coll = f"{org}/registry-model/c"
    for _ in range(2):
        v = await make_version(graph, org, "m")
        await link(api, artifactPath=v.path, targetPath=coll)
    updated = await api.data(
        """mutation($o: String!) { updateCollection(input: {organization: $o, registry: "model",
             name: "c", description: "Classifiers", tags: ["vision"]}) {
           collection { description tags } errors { code } } }""",
        {"o": org},
    )
    assert updated["updateCollection"] == {
        "collection": {"description": "Classifiers", "tags": ["vision"]},
        "errors": [],
    }
    await api.data(ALIAS, {"path": f"{coll}:v0", "alias": "best"})
    data = await api.data(
        """query($p: String!) { registryCollection(path: $p) {
             name versionCount registry { name }
             best: version(selector: "best") { index }
             v1: version(selector: "v1") { index aliases }
             none: version(selector: "v9") { index } } }""",
        {"p": f"{org}/wandb-registry-model/c"},
    )
    assert data["registryCollection"] == {
        "name": "c",
        "versionCount": 2,
        "registry": {"name": "model"},
        "best": {"index": 0},
        "v1": {"index": 1, "aliases": ["latest"]},
        "none": None,
    }
    remove = """mutation($p: String!, $a: String!) {
      removeCollectionAlias(input: {collectionPath: $p, alias: $a}) { removed errors { code } } }"""
    assert (await api.data(remove, {"p": coll, "a": "best"}))["removeCollectionAlias"] == {
        "removed": True,
        "errors": [],
    }
    assert (await api.data(remove, {"p": coll, "a": "best"}))["removeCollectionAlias"] == {
        "removed": False,
        "errors": [],
    }
    latest = await api.data(remove, {"p": coll, "a": "latest"})
    assert latest["removeCollectionAlias"]["errors"] == [{"code": "INVALID_INPUT"}]
    missing = await api.data(
        """mutation($o: String!) { createCollection(input: {organization: $o, registry: "nope",
             name: "x", type: "model"}) { collection { id } errors { code message } } }""",
        {"o": org},
    )
    assert missing["createCollection"]["errors"][0]["code"] == "NOT_FOUND"
    assert "'nope'" in missing["createCollection"]["errors"][0]["message"]


PAGE_WITH_ALIASES = """
query($org: String!, $first: Int, $after: String) {
  registry(organization: $org, name: "model") {
    collections(first: 10) {
      edges { node { name aliases(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { name version } } } } }
    }
  }
}
"""


async def test_a_page_of_collections_shows_each_ones_own_aliases(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    """The aliases of a page of collections are read together; each keeps its own page."""
    org = await new_org(api, unique)
    for name, links in (("a", 2), ("b", 3), ("c", 0)):
        if not links:
            made = await api.data(
                """mutation($input: CreateCollectionInput!) { createCollection(input: $input) {
                     errors { code } } }""",
                {
                    "input": {
                        "organization": org,
                        "registry": "model",
                        "name": name,
                        "type": "model",
                    }
                },
            )
            assert made["createCollection"]["errors"] == []
        for _ in range(links):
            v = await make_version(graph, org, f"m-{name}")
            linked = await link(api, artifactPath=v.path, targetPath=f"{org}/registry-model/{name}")
            assert linked["errors"] == []
    for alias, target in (("best", "a:v0"), ("zeta", "b:v1"), ("prod", "b:v0")):
        done = await api.data(ALIAS, {"path": f"{org}/registry-model/{target}", "alias": alias})
        assert done["setCollectionAlias"]["errors"] == []

    def shown(data: dict[str, Any]) -> dict[str, tuple[int, list[tuple[str, str]]]]:
        return {
            e["node"]["name"]: (
                e["node"]["aliases"]["totalCount"],
                [(a["node"]["name"], a["node"]["version"]) for a in e["node"]["aliases"]["edges"]],
            )
            for e in data["registry"]["collections"]["edges"]
        }

    everything = await api.data(PAGE_WITH_ALIASES, {"org": org})
    assert shown(everything) == {
        "a": (2, [("latest", "v1"), ("best", "v0")]),
        "b": (3, [("latest", "v2"), ("prod", "v0"), ("zeta", "v1")]),
        "c": (0, []),
    }
    first = await api.data(PAGE_WITH_ALIASES, {"org": org, "first": 1})
    assert shown(first) == {
        "a": (2, [("latest", "v1")]),
        "b": (3, [("latest", "v2")]),
        "c": (0, []),
    }
    cursor = first["registry"]["collections"]["edges"][1]["node"]["aliases"]["pageInfo"]
    assert cursor["hasNextPage"]
    rest = await api.data(PAGE_WITH_ALIASES, {"org": org, "first": 5, "after": cursor["endCursor"]})
    assert shown(rest)["b"] == (3, [("prod", "v0"), ("zeta", "v1")])
