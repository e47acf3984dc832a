"""A victim organisation with one of everything, built through the API by its admin.

Used by the schema walk and the adversarial tests: every object kind the schema exposes exists
once in it, with its global id, so each root field can be called with valid arguments that point
at the victim's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.driver import Graph
from graph.tx import fetch_all, fetch_one
from storage.keys import sha256_bytes
from tests.access.conftest import Identity
from tests.conftest import ApiClient

PENDING_BLOB = b"a blob the pending draft waits for"
PENDING_DIGEST = sha256_bytes(PENDING_BLOB)

DRAFT = """
mutation($input: CreateArtifactDraftInput!) {
  createArtifactDraft(input: $input) { draftId errors { code message } }
}
"""

COMMIT = """
mutation($id: ID!) {
  commitArtifactDraft(input: {draftId: $id}) { version { id path } errors { code message } }
}
"""


@dataclass
class World:
    org: str
    admin: Identity
    project: str = "p"
    artifact: str = "weights"
    version_path: str = ""
    draft_id: str = ""
    registry: str = "vault"
    collection_path: str = ""
    registry_version_path: str = ""
    cluster_id: str = ""
    walk: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    """Global id of one victim object per Node type name."""
    snapshot: list[str] = field(default_factory=list)
    """Where a test keeps the last known stored state of the organisation."""

    @property
    def artifact_path(self) -> str:
        return f"{self.org}/{self.project}/{self.artifact}"


async def ok(api: ApiClient, admin: Identity, query: str, variables: dict[str, Any]) -> Any:
    data = await api.data(query, variables, headers=admin.headers)
    payload = next(iter(data.values()))
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


async def build_world(api: ApiClient, admin: Identity, org: str) -> World:
    world = World(org=org, admin=admin)
    h = admin.headers
    await ok(
        api,
        admin,
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
        "{ errors { code } } }",
        {"o": org},
    )
    draft = {
        "organization": org,
        "project": world.project,
        "artifact": world.artifact,
        "type": "model",
        "entries": [{"path": "model.bin", "ref": "s3://elsewhere/model.bin", "size": 3}],
        "aliases": ["prod"],
    }
    made = await ok(api, admin, DRAFT, {"input": draft})
    committed = await ok(api, admin, COMMIT, {"id": made["draftId"]})
    world.version_path = committed["version"]["path"]
    world.ids["ArtifactVersion"] = committed["version"]["id"]
    blob = {"path": "other.bin", "digest": PENDING_DIGEST, "size": len(PENDING_BLOB)}
    pending = dict(draft, entries=[blob])
    world.draft_id = (await ok(api, admin, DRAFT, {"input": pending}))["draftId"]
    await ok(
        api,
        admin,
        "mutation($o: String!, $n: String!) { createRegistry(input: {organization: $o, name: $n,"
        ' acceptedTypes: ["model"], visibility: RESTRICTED}) { errors { code message } } }',
        {"o": org, "n": world.registry},
    )
    target = f"{org}/registry-{world.registry}/classifier"
    linked = await ok(
        api,
        admin,
        "mutation($t: String!, $p: String!) { linkArtifact(input: {targetPath: $t, "
        'artifactPath: $p, aliases: ["staging"]}) { registryVersion { id path '
        "collection { id path } } errors { code message } } }",
        {"t": target, "p": world.version_path},
    )
    version = linked["registryVersion"]
    world.registry_version_path = version["path"]
    world.collection_path = version["collection"]["path"]
    world.ids["RegistryVersion"] = version["id"]
    world.ids["Collection"] = version["collection"]["id"]
    lookups = await api.data(
        """
        query($o: String!, $a: String!, $r: String!) {
          organization(name: $o) { id }
          project(organization: $o, name: "p") { id }
          artifact(path: $a) { id }
          registry(organization: $o, name: $r) { id }
          me { id }
          apiKeys(first: 1) { edges { node { id } } }
        }
        """,
        {"o": org, "a": world.artifact_path, "r": world.registry},
        headers=h,
    )
    world.ids["Organization"] = lookups["organization"]["id"]
    world.ids["Project"] = lookups["project"]["id"]
    world.ids["Artifact"] = lookups["artifact"]["id"]
    world.ids["Registry"] = lookups["registry"]["id"]
    world.ids["User"] = lookups["me"]["id"]
    world.ids["ApiKey"] = lookups["apiKeys"]["edges"][0]["node"]["id"]
    await add_lineage(api, admin, world)
    return world


async def add_lineage(api: ApiClient, admin: Identity, world: World) -> None:
    """Two runs of one job type using the version, so a lineage walk from it clusters them."""
    for _ in range(2):
        run = await ok(
            api,
            admin,
            'mutation($o: String!) { createRun(input: {organization: $o, project: "p", '
            'jobType: "train"}) { run { id } errors { code message } } }',
            {"o": world.org},
        )
        world.ids["Run"] = run["run"]["id"]
        used = await ok(
            api,
            admin,
            "mutation($r: ID!, $v: ID!) { useArtifact(input: {run: $r, version: $v}) "
            "{ version { id } errors { code message } } }",
            {"r": world.ids["Run"], "v": world.ids["ArtifactVersion"]},
        )
        world.ids["LineageVersion"] = used["version"]["id"]
    walked = await api.data(
        "query($v: ID!) { lineage(seed: $v, direction: DOWNSTREAM, depth: 1, clusterThreshold: 2)"
        " { walk levels { clusters { id } } } }",
        {"v": world.ids["ArtifactVersion"]},
        headers=admin.headers,
    )
    world.cluster_id = walked["lineage"]["levels"][0]["clusters"][0]["id"]
    world.walk = walked["lineage"]["walk"]


SNAPSHOT_NODES = """
MATCH (o:Organization {name: $org})
MATCH (n) WHERE n.org_id = o.id OR n = o
RETURN labels(n) AS labels, properties(n) AS props
"""

SNAPSHOT_RELATIONSHIPS = """
MATCH (o:Organization {name: $org})
MATCH (a)-[r]->(b) WHERE a.org_id = o.id OR b.org_id = o.id OR a = o OR b = o
RETURN type(r) AS type, properties(r) AS props, elementId(a) AS a, elementId(b) AS b,
       properties(a) AS a_props, properties(b) AS b_props
"""

AUDIT_COUNT = """
MATCH (o:Organization {name: $org})
RETURN COUNT { MATCH (e:AuditEvent) WHERE e.org_id = o.id } AS events
"""


async def snapshot(graph: Graph, org: str) -> list[str]:
    """Everything stored about the organisation, as sorted text: equal means nothing written."""
    nodes = await graph.read(fetch_all, SNAPSHOT_NODES, org=org)
    rels = await graph.read(fetch_all, SNAPSHOT_RELATIONSHIPS, org=org)
    audit = await graph.read(fetch_one, AUDIT_COUNT, org=org)
    lines = [f"node {sorted(r['labels'])} {sorted(r['props'].items())}" for r in nodes]
    for r in rels:
        ends = f"{r['a']} {sorted(r['a_props'].items())} {r['b']} {sorted(r['b_props'].items())}"
        lines.append(f"rel {r['type']} {sorted(r['props'].items())} {ends}")
    lines.append(f"audit {audit}")
    return sorted(lines)
