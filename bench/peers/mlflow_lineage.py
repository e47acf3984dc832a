"""Our side of bench/peers/mlflow_registry.py: the same registry built in Neo4j, then measured
through GraphQL over HTTP against a `lineage serve` process, as a user would.

The build writes the plan's models as collections of a fresh organisation's core `model`
registry with raw parameterised Cypher following DEVELOPERS.md's graph model (each collection
beside an artifact of the same name in project `training`; versions `v0..v{k-1}` committed and
linked at the same index; `latest` on the last, `production` where the plan puts it; tags
`team-<team>` and `task-<task>` for MLflow's `team` and `task` tags). Each model the link
measurement uses also gets one more committed version, not linked yet. The organisation, its
project, registry, user and key are made by the graph functions the product uses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import httpx

from api.artifacts.ids import global_id
from graph.access.memberships import add_member
from graph.access.orgs import ensure_project
from graph.access.users import create_user
from graph.core.driver import Graph
from graph.core.values import new_id
from graph.registry.registries import require_registry

PROJECT = "training"
REGISTRY = "model"
BATCH = 5000

CREATE_COLLECTIONS: LiteralString = """
MATCH (r:Registry {id: $registry_id})
MATCH (p:Project {id: $project_id})
UNWIND $rows AS row
CREATE (c:Collection {id: row.id, registry_id: r.id, registry_name: r.name, org_id: r.org_id,
  org_name: r.org_name, name: row.name, type: 'model', description: row.description,
  tags: row.tags, next_index: row.linked, created_at: row.created_at, created_by: 'bench'})
CREATE (r)-[:HAS_COLLECTION]->(c)
CREATE (a:Artifact {id: row.artifact_id, project_id: p.id, project_name: p.name,
  org_id: p.org_id, org_name: r.org_name, name: row.name, type: 'model', description: null,
  tags: [], next_index: row.versions, created_at: row.created_at})
CREATE (p)-[:HAS_ARTIFACT]->(a)
"""

# A version with `linked: false` is a link candidate: committed in its project, in no collection.
CREATE_VERSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Artifact {id: row.artifact_id})
MATCH (c:Collection {id: row.collection_id})
CREATE (v:ArtifactVersion {id: row.id, artifact_id: a.id, artifact_name: a.name,
  artifact_type: a.type, project_id: a.project_id, project_name: a.project_name,
  org_id: a.org_id, org_name: a.org_name, index: row.index, digest: row.digest, size: 1024,
  file_count: 1, description: null, metadata: '{}', tags: [], created_at: row.at,
  created_by: 'bench', state: 'COMMITTED', ttl_seconds: null, expires_at: null})
CREATE (a)-[:HAS_VERSION]->(v)
FOREACH (_ IN CASE WHEN row.linked THEN [1] ELSE [] END |
  CREATE (v)-[:LINKED_TO {collection_id: c.id, index: row.index, linked_at: row.at,
    linked_by: 'bench'}]->(c)
)
"""

CREATE_ALIASES: LiteralString = """
UNWIND $rows AS row
MATCH (v:ArtifactVersion)-[:LINKED_TO {collection_id: row.collection_id, index: row.index}]->
      (:Collection)
CREATE (a:CollectionAlias {collection_id: row.collection_id, name: row.alias,
  created_at: datetime(), created_by: 'bench', updated_at: datetime(), updated_by: 'bench'})
CREATE (a)-[:POINTS_TO]->(v)
"""

WIPE: LiteralString = "MATCH (n) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS n"


@dataclass(frozen=True)
class World:
    """What the measurements need: the organisation, a key of its admin, and the global id of
    each model's unlinked candidate version."""

    org: str
    key: str
    candidates: dict[str, str]
    build_seconds: float


async def wipe(graph: Graph) -> None:
    """Empty the bench's own database (never run against a shared one)."""
    while True:
        records, _, _ = await graph.driver.execute_query(WIPE, database_=graph.database)
        if records[0]["n"] == 0:
            return


async def build(graph: Graph, plan: dict[str, Any], org: str) -> World:
    """Write the plan's registry into a fresh organisation; see the module docstring."""
    began = time.monotonic()
    project = await ensure_project(graph, org, PROJECT)
    registry = await require_registry(graph, org, REGISTRY)
    per_model = int(plan["versions_per_model"])
    to_link = {sample["name"] for sample in plan["scenarios"]["link"]}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    collections: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    candidates: dict[str, str] = {}
    for i, model in enumerate(plan["models"]):
        created = start + timedelta(minutes=i)
        collection = {
            "id": new_id(),
            "artifact_id": new_id(),
            "name": model["name"],
            "description": model["description"],
            "tags": sorted(f"{key}-{value}" for key, value in model["tags"].items()),
            "created_at": created,
            "linked": per_model,
            "versions": per_model + (1 if model["name"] in to_link else 0),
        }
        collections.append(collection)
        for index in range(collection["versions"]):
            vid = new_id()
            versions.append(
                {
                    "id": vid,
                    "artifact_id": collection["artifact_id"],
                    "collection_id": collection["id"],
                    "index": index,
                    "digest": vid * 2,
                    "at": created + timedelta(seconds=index + 1),
                    "linked": index < per_model,
                }
            )
            if index == per_model:
                candidates[model["name"]] = global_id("ArtifactVersion", vid)
        aliases.append(
            {"collection_id": collection["id"], "alias": "latest", "index": per_model - 1}
        )
        aliases.append(
            {
                "collection_id": collection["id"],
                "alias": "production",
                "index": model["production"] - 1,
            }
        )
    for query, rows, params in (
        (CREATE_COLLECTIONS, collections, {"registry_id": registry.id, "project_id": project.id}),
        (CREATE_VERSIONS, versions, {}),
        (CREATE_ALIASES, aliases, {}),
    ):
        for i in range(0, len(rows), BATCH):
            await graph.driver.execute_query(
                query,
                parameters_={"rows": rows[i : i + BATCH], **params},
                database_=graph.database,
            )
    await graph.driver.execute_query("CALL db.awaitIndexes(300)", database_=graph.database)
    user, key = await create_user(graph, f"bench-{new_id()[:8]}", with_key=True)
    assert key is not None
    await add_member(graph, org, user.name, "admin", actor="bench")
    return World(org, key.secret, candidates, time.monotonic() - began)


RESOLVE = """
query($path: String!) {
  registryVersion(path: $path) { id path index aliases linkedAt linkedBy artifactType sourcePath }
}
"""

SEARCH = """
query($org: String!, $filter: CollectionFilter) {
  registry(organization: $org, name: "model") {
    collections(filter: $filter, first: 20) {
      pageInfo { hasNextPage endCursor }
      edges { node { name description tags createdAt versionCount
                     aliases { edges { node { name index } } } } }
    }
  }
}
"""

LINK = """
mutation($input: LinkArtifactInput!) {
  linkArtifact(input: $input) {
    registryVersion { id index aliases }
    errors { code message }
  }
}
"""


class LineageClient:
    """Sequential GraphQL requests over one keep-alive HTTP connection, as MlflowClient makes
    its REST calls."""

    def __init__(self, url: str, world: World) -> None:
        self.world = world
        self.http = httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {world.key}"}, timeout=60
        )

    def close(self) -> None:
        self.http.close()

    def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = self.http.post(
            "/graphql", json={"query": query, "variables": variables}
        ).json()
        if payload.get("errors"):
            raise SystemExit(f"request failed: {payload['errors']}")
        data: dict[str, Any] = payload["data"]
        return data

    def path(self, name: str) -> str:
        return f"{self.world.org}/registry-{REGISTRY}/{name}"

    def resolve(self, sample: dict[str, Any]) -> int:
        found = self._post(RESOLVE, {"path": f"{self.path(sample['name'])}:production"})
        version = found["registryVersion"]
        if version is None or version["index"] != sample["production"] - 1:
            raise SystemExit(f"{sample['name']}:production resolved to {version}")
        return int(version["index"])

    def search(self, sample: dict[str, Any]) -> list[str]:
        if "prefix" in sample:
            where: dict[str, Any] = {"name": {"prefix": sample["prefix"]}}
        else:
            where = {"tagsAny": [f"{sample['key']}-{sample['value']}"]}
        found = self._post(SEARCH, {"org": self.world.org, "filter": where})
        edges = found["registry"]["collections"]["edges"]
        return [edge["node"]["name"] for edge in edges]

    def link(self, sample: dict[str, Any], expected_index: int) -> int:
        answer = self._post(
            LINK,
            {
                "input": {
                    "targetPath": self.path(sample["name"]),
                    "artifactVersionId": self.world.candidates[sample["name"]],
                    "aliases": ["production"],
                }
            },
        )["linkArtifact"]
        if answer["errors"] or answer["registryVersion"]["index"] != expected_index:
            raise SystemExit(f"link into {sample['name']} answered {answer}")
        return int(answer["registryVersion"]["index"])


def timed(call: Any, samples: list[dict[str, Any]], warmup: int) -> tuple[list[float], list[Any]]:
    """Milliseconds per call (after `warmup` untimed calls) and each call's answer."""
    for sample in samples[:warmup]:
        call(sample)
    timings: list[float] = []
    answers: list[Any] = []
    for sample in samples[warmup:]:
        began = time.perf_counter()
        answers.append(call(sample))
        timings.append((time.perf_counter() - began) * 1000)
    return timings, answers
