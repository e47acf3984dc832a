"""A victim organisation with one of everything, built through the API by its admin.

Used by the schema walk and the adversarial tests: every object kind the schema exposes exists
once in it, with its global id, so each root field can be called with valid arguments that point
at the victim's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString

from strawberry import relay

from graph.access.orgs import organization_by_name
from graph.core.driver import Graph
from graph.core.tx import fetch_all, fetch_one
from graph.events.delivery_log import redeliver
from graph.events.log import events_after
from storage.keys import sha256_bytes
from tests.api.access.conftest import Identity
from tests.conftest import ApiClient
from workflows.webhooks.manage import create_webhook
from workflows.webhooks.settings import WebhookSettings

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
    event_id: str = ""
    """Raw id of one of the organisation's events (redeliverEvent takes it)."""
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


OWNED: LiteralString = """
MATCH (o:Organization {name: $org})
CALL (o) {
  MATCH (o)-[*0..6]->(n) RETURN n
  UNION
  MATCH (d:ArtifactVersion {state: 'PENDING'}) WHERE d.org_name = o.name
  MATCH (d)-[*0..1]->(n) RETURN n
}
WITH DISTINCT n
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
"""

TOUCHING: LiteralString = """
UNWIND $ids AS id
MATCH (n) WHERE elementId(n) = id
MATCH (n)-[r]-()
WITH DISTINCT r
RETURN type(r) AS type, properties(r) AS props, elementId(startNode(r)) AS a,
       elementId(endNode(r)) AS b, labels(startNode(r)) AS a_labels,
       properties(startNode(r)) AS a_props
"""

AUDIT_COUNT: LiteralString = """
MATCH (o:Organization {name: $org})
RETURN COUNT { MATCH (e:AuditEvent) WHERE e.org_id = o.id } AS events
"""


def _props(labels: list[str], props: dict[str, Any]) -> list[tuple[str, Any]]:
    """A node's properties, except a shared Blob's (other organisations' work changes those)."""
    return [] if "Blob" in labels else sorted(props.items())


async def snapshot(graph: Graph, org: str) -> list[str]:
    """Everything stored about the organisation, as sorted text: equal means nothing written.

    Its nodes are what it reaches along outgoing relationships (projects, artifacts, versions,
    runs, registries, collections, blobs) plus its pending drafts; then every relationship that
    touches one of them (members, aliases, links, lineage edges) with the node at its start; and
    the number of its audit events.
    """
    nodes = await graph.read(fetch_all, OWNED, org=org)
    ids = [row["id"] for row in nodes]
    rels = await graph.read(fetch_all, TOUCHING, ids=ids)
    audit = await graph.read(fetch_one, AUDIT_COUNT, org=org)
    lines = [
        f"node {r['id']} {sorted(r['labels'])} {_props(r['labels'], r['props'])}" for r in nodes
    ]
    for r in rels:
        start = f"{r['a']} {_props(r['a_labels'], r['a_props'])}"
        lines.append(f"rel {r['type']} {sorted(r['props'].items())} {start} -> {r['b']}")
    lines.append(f"audit {audit}")
    return sorted(lines)


async def add_webhook(graph: Graph, world: World) -> None:
    """A webhook of the organisation and one delivery of it, made through the product's own
    functions: the API refuses the loopback URL such a test may use, and no worker with the
    test settings may reach it (a worker of another test server hands the claim back)."""
    settings = WebhookSettings(
        allow_http=True, allow_private_addresses=True, secret_key="test-secret-key"
    )
    record, _ = await create_webhook(
        graph, settings, org=world.org, url="http://127.0.0.1:9/never", actor=world.admin.name
    )
    found = await organization_by_name(graph, world.org)
    assert found is not None
    event = (await events_after(graph, found.id, 0, limit=1))[0]
    delivery = await redeliver(graph, record.id, event.id, retry_seconds=60)
    world.event_id = event.id
    world.ids["Webhook"] = str(relay.GlobalID("Webhook", record.id))
    world.ids["WebhookDelivery"] = str(relay.GlobalID("WebhookDelivery", delivery.id))
