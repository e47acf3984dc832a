"""A client that knows only `schema.graphql`: the whole flow through a generic GraphQL library.

`gql` validates every document against the published SDL and sends it over real HTTP to a real
uvicorn server. Every id the test passes on was read from an earlier answer (never built from a
stored id), every id-typed value any answer holds is looked up with `node(id:)`, and every
timestamp is checked to have the one precision the API promises.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
    get_named_type,
    is_abstract_type,
    parse,
)
from graphql.language import OperationDefinitionNode, OperationType

from tests.conftest import LiveServer

SDL = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()
SCHEMA: GraphQLSchema = build_schema(SDL)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
"""Every DateTime the API returns: UTC, microseconds, always six digits."""

ERRORS = "errors { code message field }"

CREATE_PROJECT = f"""
mutation($org: String!, $name: String!) {{
  createProject(input: {{organization: $org, name: $name}}) {{
    project {{ id name path createdAt organization {{ id name createdAt }} }}
    {ERRORS}
  }}
}}
"""

RUN = "id name jobType state projectPath startedAt finishedAt createdAt project { id }"

CREATE_RUN = f"""
mutation($input: CreateRunInput!) {{ createRun(input: $input) {{ run {{ {RUN} }} {ERRORS} }} }}
"""

FINISH_RUN = f"""
mutation($id: ID!) {{ finishRun(input: {{id: $id}}) {{ run {{ {RUN} }} {ERRORS} }} }}
"""

CREATE_DRAFT = f"""
mutation($input: CreateArtifactDraftInput!) {{
  createArtifactDraft(input: $input) {{
    draftId
    uploads {{ digest size method url headers }}
    {ERRORS}
  }}
}}
"""

VERSION = """
id version path digest size fileCount createdAt expiresAt producedBy aliases
artifact { id name type createdAt }
"""

COMMIT = f"""
mutation($draftId: ID!) {{
  commitArtifactDraft(input: {{draftId: $draftId}}) {{ version {{ {VERSION} }} created {ERRORS} }}
}}
"""

USE = f"""
mutation($run: ID!, $version: ID!) {{
  useArtifact(input: {{run: $run, version: $version}}) {{
    run {{ id }} version {{ id artifactVersionId createdAt }} at created {ERRORS}
  }}
}}
"""

INGEST = f"""
mutation($input: IngestLineageInput!) {{
  ingestLineage(input: $input) {{ runsCreated runsExisting edgesCreated edgesExisting {ERRORS} }}
}}
"""

NODE_FIELDS = """
id kind name type projectPath createdAt
... on Run { jobType state startedAt finishedAt }
... on LineageVersion { artifactVersionId index producer { id createdAt } }
"""

LINEAGE = f"""
query($seed: ID!) {{
  lineage(seed: $seed, direction: BOTH, depth: 3) {{
    nodeCount truncated
    seed {{ {NODE_FIELDS} }}
    levels {{ direction distance nodes {{ {NODE_FIELDS} }} edges {{ source target }} }}
  }}
}}
"""

ARTIFACT_VERSION = f"query($path: String!) {{ artifactVersion(path: $path) {{ {VERSION} }} }}"

FILES = """
query($ids: [ID!]!) {
  artifactFiles(versionIds: $ids) {
    version { id } files { totalCount edges { node { path digest size } } }
  }
}
"""

CREATE_REGISTRY = f"""
mutation($org: String!, $name: String!) {{
  createRegistry(input: {{organization: $org, name: $name, acceptedTypes: ["model"]}}) {{
    registry {{ id name createdAt }} {ERRORS}
  }}
}}
"""

REGISTRY_VERSION = """
id index version path aliases linkedAt createdAt sourcePath sourceVersionId producingRunId
collection { id name path createdAt }
"""

LINK = f"""
mutation($target: String!, $version: ID!) {{
  linkArtifact(input: {{targetPath: $target, artifactVersionId: $version}}) {{
    registryVersion {{ {REGISTRY_VERSION} }} created collectionCreated {ERRORS}
  }}
}}
"""

RESOLVE = f"query($path: String!) {{ registryVersion(path: $path) {{ {REGISTRY_VERSION} }} }}"

MEMBERSHIPS = """
query($id: ID!) {
  registryMemberships(artifactVersionId: $id) { edges { node { id path } } totalCount }
}
"""

SET_COLLECTION_ALIAS = f"""
mutation($path: String!, $alias: String!) {{
  setCollectionAlias(input: {{path: $path, alias: $alias}}) {{ {ERRORS} }}
}}
"""

SET_ARTIFACT_ALIAS = f"""
mutation($version: ID!, $alias: String!) {{
  setArtifactAlias(input: {{versionId: $version, alias: $alias}}) {{ {ERRORS} }}
}}
"""

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on ArtifactVersion { versionCreatedAt: createdAt }
    ... on LineageNode { nodeCreatedAt: createdAt }
    ... on RegistryVersion { linkedAt }
  }
}
"""


class ThirdParty:
    """A `gql` session plus everything it was answered, for the checks at the end."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.answers: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, document: str, **variables: Any) -> dict[str, Any]:
        request = GraphQLRequest(document, variable_values=variables)
        result: dict[str, Any] = await self.session.execute(request)
        self.answers.append((document, result))
        return result

    async def ok(self, document: str, field: str, **variables: Any) -> dict[str, Any]:
        """A mutation's payload, failing the test on any `errors` in it."""
        payload: dict[str, Any] = (await self(document, **variables))[field]
        assert payload["errors"] == [], payload["errors"]
        return payload

    def values(self, scalar: str, *, skip: frozenset[str] = frozenset()) -> Iterator[str]:
        """Every value of the named scalar type in every answer, found through the schema
        (except those of fields named in `skip`)."""
        for document, result in self.answers:
            root = _root_type(document)
            yield from _values_of(result, root, scalar, skip)


def _root_type(document: str) -> GraphQLObjectType:
    operation = next(
        d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
    )
    root = SCHEMA.mutation_type if operation.operation is OperationType.MUTATION else None
    found = root or SCHEMA.query_type
    assert found is not None
    return found


def _values_of(value: Any, of: GraphQLType, scalar: str, skip: frozenset[str]) -> Iterator[str]:
    if value is None:
        return
    if isinstance(of, GraphQLNonNull):
        yield from _values_of(value, of.of_type, scalar, skip)
        return
    if isinstance(of, GraphQLList):
        for item in value:
            yield from _values_of(item, of.of_type, scalar, skip)
        return
    named = get_named_type(of)
    if named.name == scalar:
        yield value
        return
    if not isinstance(value, dict):
        return
    candidates = list(SCHEMA.get_possible_types(named)) if is_abstract_type(named) else [named]
    for key, item in value.items():
        if key in skip:
            continue
        for candidate in candidates:
            field = getattr(candidate, "fields", {}).get(key)
            if field is not None:
                yield from _values_of(item, field.type, scalar, skip)
                break


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def upload(
    http: httpx.AsyncClient, uploads: list[dict[str, Any]], blobs: dict[str, bytes]
) -> None:
    """PUT each blob to the signed URL the draft answered with, headers unchanged."""
    for target in uploads:
        response = await http.request(
            target["method"],
            target["url"],
            content=blobs[target["digest"]],
            headers=target["headers"],
        )
        assert response.status_code in (200, 201, 204), response.text


async def log_version(
    client: ThirdParty,
    http: httpx.AsyncClient,
    *,
    org: str,
    project: str,
    artifact: str,
    type: str,
    files: dict[str, bytes],
    run_id: str | None,
) -> dict[str, Any]:
    """Draft, upload to the signed URLs, commit: the version as commitArtifactDraft answers."""
    entries = [{"path": p, "digest": sha(d), "size": len(d)} for p, d in files.items()]
    draft = await client.ok(
        CREATE_DRAFT,
        "createArtifactDraft",
        input={
            "organization": org,
            "project": project,
            "artifact": artifact,
            "type": type,
            "entries": entries,
            "runId": run_id,
        },
    )
    await upload(http, draft["uploads"], {sha(d): d for d in files.values()})
    committed = await client.ok(COMMIT, "commitArtifactDraft", draftId=draft["draftId"])
    assert committed["created"] is True
    version: dict[str, Any] = committed["version"]
    return version


async def test_a_generic_graphql_client_drives_artifacts_lineage_and_registry_with_given_ids(
    live_local_server: LiveServer, unique: Callable[[str], str]
) -> None:
    transport = HTTPXAsyncTransport(
        url=f"{live_local_server.url}/graphql", headers=live_local_server.headers, timeout=30
    )
    org = unique("third")
    async with Client(transport=transport, schema=SDL) as session, httpx.AsyncClient() as http:
        client = ThirdParty(session)
        project = (await client.ok(CREATE_PROJECT, "createProject", org=org, name="vision"))[
            "project"
        ]

        prepare = (
            await client.ok(
                CREATE_RUN,
                "createRun",
                input={"organization": org, "project": project["name"], "jobType": "prepare"},
            )
        )["run"]
        data = await log_version(
            client,
            http,
            org=org,
            project=project["name"],
            artifact="images",
            type="dataset",
            files={"a.txt": unique("a").encode(), "b/c.txt": unique("c").encode()},
            run_id=prepare["id"],
        )
        assert data["producedBy"] == prepare["id"]
        await client.ok(FINISH_RUN, "finishRun", id=data["producedBy"])

        train = (
            await client.ok(
                CREATE_RUN,
                "createRun",
                input={"organization": org, "project": project["name"], "jobType": "train"},
            )
        )["run"]
        used = await client.ok(USE, "useArtifact", run=train["id"], version=data["id"])
        assert used["run"]["id"] == train["id"]
        assert used["version"]["artifactVersionId"] == data["id"]
        model = await log_version(
            client,
            http,
            org=org,
            project=project["name"],
            artifact="resnet",
            type="model",
            files={"weights.bin": unique("w").encode()},
            run_id=train["id"],
        )
        assert model["producedBy"] == train["id"]
        await client.ok(FINISH_RUN, "finishRun", id=train["id"])

        # an evaluation imported in bulk, naming the stored run and version by the ids given
        ingested = await client.ok(
            INGEST,
            "ingestLineage",
            input={
                "organization": org,
                "project": project["name"],
                "runs": [
                    {
                        "id": unique("eval"),
                        "jobType": "eval",
                        "startedAt": "2025-01-01T00:00:00+00:00",
                        "finishedAt": "2025-01-01T00:01:00+00:00",
                    }
                ],
                "edges": [{"run": train["id"], "version": data["id"], "kind": "CONSUMED"}],
            },
        )
        assert (ingested["runsCreated"], ingested["edgesExisting"]) == (1, 1)

        graph = (await client(LINEAGE, seed=model["id"]))["lineage"]
        nodes = [graph["seed"], *[n for level in graph["levels"] for n in level["nodes"]]]
        by_kind = {(n["kind"], n["name"]): n for n in nodes}
        assert set(by_kind) == {
            ("ARTIFACT_VERSION", "resnet:v0"),
            ("RUN", train["name"]),
            ("ARTIFACT_VERSION", "images:v0"),
            ("RUN", prepare["name"]),
        }
        assert by_kind["RUN", train["name"]]["id"] == train["id"]
        lineage_model = by_kind["ARTIFACT_VERSION", "resnet:v0"]
        assert lineage_model["artifactVersionId"] == model["id"]
        assert lineage_model["producer"]["id"] == train["id"]
        # the same version read through the artifacts API carries the same timestamp
        assert lineage_model["createdAt"] == model["createdAt"]
        assert by_kind["RUN", train["name"]]["createdAt"] == train["createdAt"]

        # ids handed out by the lineage API are accepted where versions are taken
        files = (await client(FILES, ids=[lineage_model["id"], data["id"]]))["artifactFiles"]
        assert [(f["version"]["id"], f["files"]["totalCount"]) for f in files] == [
            (model["id"], 1),
            (data["id"], 2),
        ]

        registry = (await client.ok(CREATE_REGISTRY, "createRegistry", org=org, name="models"))[
            "registry"
        ]
        linked = await client.ok(
            LINK,
            "linkArtifact",
            target=f"{org}/registry-models/classifier",
            version=lineage_model["id"],
        )
        member = linked["registryVersion"]
        assert (linked["created"], linked["collectionCreated"]) == (True, True)
        assert member["sourceVersionId"] == model["id"]
        assert member["producingRunId"] == train["id"]
        resolved = (await client(RESOLVE, path=member["path"]))["registryVersion"]
        assert resolved["id"] == member["id"]
        await client.ok(
            SET_COLLECTION_ALIAS, "setCollectionAlias", path=member["path"], alias="production"
        )
        by_alias = (await client(RESOLVE, path=f"{org}/registry-models/classifier:production"))[
            "registryVersion"
        ]
        assert (by_alias["id"], by_alias["aliases"]) == (member["id"], ["latest", "production"])
        memberships = await client(MEMBERSHIPS, id=resolved["sourceVersionId"])
        assert memberships["registryMemberships"]["totalCount"] == 1
        await client.ok(
            SET_ARTIFACT_ALIAS, "setArtifactAlias", version=member["sourceVersionId"], alias="best"
        )
        read_back = (await client(ARTIFACT_VERSION, path=f"{model['path']}"))["artifactVersion"]
        assert read_back["aliases"] == ["best", "latest"]
        assert read_back["createdAt"] == model["createdAt"] == member["createdAt"]
        assert registry["id"] and project["organization"]["id"]

        # every ID but a draft's, which names no object (the schema says so): it is only
        # passed back to the draft mutations
        ids = sorted(set(client.values("ID", skip=frozenset({"draftId"}))))
        assert len(ids) >= 12, ids
        for value in ids:
            found = (await client(NODE, id=value))["node"]
            assert found is not None and found["id"] == value, (value, found)

        times = list(client.values("DateTime"))
        assert len(times) > 20
        assert [t for t in times if not TIMESTAMP.fullmatch(t)] == []
