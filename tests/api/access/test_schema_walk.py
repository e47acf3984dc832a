"""Every root field of the schema refuses an anonymous caller and a caller from another team.

The walk reads the root Query and Mutation fields from `api.schema.schema` itself. Each needs an
entry in `QUERIES` or `MUTATIONS` with valid arguments pointing at a victim organisation's data;
a field without one fails the test, so no new field can slip through unchecked. After all the
refused calls, the victim's part of the graph must be exactly as before: nothing was written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField, GraphQLInterfaceType, GraphQLObjectType, get_named_type

from api.schema import schema
from graph.core.driver import Graph
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import PENDING_DIGEST, World, add_webhook, build_world, snapshot
from tests.conftest import ApiClient

Args = Callable[[World, str], dict[str, Any]]
"""Arguments of one root field, from the victim's world and the calling user's name."""


@dataclass(frozen=True)
class Case:
    args: Args
    stranger: frozenset[str] = frozenset({"FORBIDDEN"})
    """Codes a signed-in user of another team may get; empty: allowed, on their own data only."""


def case(args: Args, *stranger: str) -> Case:
    return Case(args, frozenset(stranger or {"FORBIDDEN"}))


OWN_DATA_ONLY = frozenset[str]()
EMPTY = "EMPTY"
"""An allowed outcome for list fields that filter: no error, and nothing (`totalCount` 0)."""
MISSING = "MISSING"
"""An allowed outcome where an outsider is answered as for an id that names nothing: no error
and null (webhooks: an id must not tell that a webhook exists in another organisation)."""
OUTSIDER_SEES_NOTHING = {"Webhook", "WebhookDelivery"}

SERVER_ADMIN_ONLY = {"users", "createUser"}

PUBLIC = {
    "serverInfo": "service and graph-schema version and blob store kind; no user data",
}

QUERIES: dict[str, Case] = {
    "node": case(lambda w, _: {}),  # walked per Node type below
    "organization": case(lambda w, _: {"name": w.org}),
    "project": case(lambda w, _: {"organization": w.org, "name": w.project}),
    "artifact": case(lambda w, _: {"path": w.artifact_path}),
    "artifactVersion": case(lambda w, _: {"path": w.version_path}),
    "artifacts": case(lambda w, _: {"organization": w.org, "project": w.project}),
    "artifactFiles": case(lambda w, _: {"versionIds": [w.ids["ArtifactVersion"]]}),
    "organizationTtlPolicy": case(lambda w, _: {"organization": w.org}),
    "registries": case(lambda w, _: {"organization": w.org}),
    "registry": case(lambda w, _: {"organization": w.org, "name": w.registry}),
    "registryCollection": case(lambda w, _: {"path": w.collection_path}),
    "registryVersion": case(lambda w, _: {"path": w.registry_version_path}),
    # lists only the registries the caller may read: for another team, an empty page
    "registryMemberships": case(
        lambda w, _: {"artifactVersionId": w.ids["ArtifactVersion"]}, "FORBIDDEN", EMPTY
    ),
    "me": Case(lambda w, _: {}, OWN_DATA_ONLY),
    "users": case(lambda w, _: {}),
    "apiKeys": Case(lambda w, _: {}, OWN_DATA_ONLY),
    "organizationMembers": case(lambda w, _: {"organization": w.org}),
    "auditEvents": case(lambda w, _: {"organization": w.org}),
    "events": case(lambda w, _: {"organization": w.org}),
    "webhooks": case(lambda w, _: {"organization": w.org}),
    "artifactVersionDiff": case(
        lambda w, _: {"from": w.ids["ArtifactVersion"], "to": w.ids["ArtifactVersion"]}
    ),
    "lineageDiff": case(
        lambda w, _: {"seed": w.ids["ArtifactVersion"], "from": "2026-01-01T00:00:00Z"}
    ),
    "runs": case(lambda w, _: {"organization": w.org, "project": w.project}),
    "lineage": case(lambda w, _: {"seed": w.ids["ArtifactVersion"]}),
    "lineageCluster": case(lambda w, _: {"walk": w.walk, "id": w.cluster_id}),
    "lineagePaths": case(lambda w, _: {"from": w.ids["ArtifactVersion"], "to": w.ids["Run"]}),
    "lineageImpact": case(lambda w, _: {"node": w.ids["ArtifactVersion"]}),
    "openLineageDataset": case(
        lambda w, _: {"organization": w.org, "namespace": "s3://bucket", "name": "table"}
    ),
}


def _input(build: Callable[[World, str], dict[str, Any]], *stranger: str) -> Case:
    return case(lambda w, me: {"input": build(w, me)}, *stranger)


MUTATIONS: dict[str, Case] = {
    "createOrganization": _input(lambda w, _: {"name": w.org}),
    "createWebhook": _input(lambda w, _: {"organization": w.org, "url": "https://192.0.2.1/hook"}),
    # another organisation's webhook is answered as a missing one (NOT_FOUND)
    "updateWebhook": _input(
        lambda w, _: {"webhookId": w.ids["Webhook"], "description": "x"}, "NOT_FOUND"
    ),
    "deleteWebhook": _input(lambda w, _: {"webhookId": w.ids["Webhook"]}, "NOT_FOUND"),
    "rotateWebhookSecret": _input(
        lambda w, _: {"webhookId": w.ids["Webhook"], "overlapSeconds": 0}, "NOT_FOUND"
    ),
    "redeliverEvent": _input(
        lambda w, _: {"webhookId": w.ids["Webhook"], "eventId": w.event_id}, "NOT_FOUND"
    ),
    "pingWebhook": _input(lambda w, _: {"webhookId": w.ids["Webhook"]}, "NOT_FOUND"),
    "createProject": _input(lambda w, _: {"organization": w.org, "name": "intruder"}),
    "createArtifactDraft": _input(
        lambda w, _: {
            "organization": w.org,
            "project": w.project,
            "artifact": "intruder",
            "type": "model",
            "entries": [{"path": "x", "ref": "s3://x/y"}],
        }
    ),
    "addArtifactDraftEntries": _input(
        lambda w, _: {"draftId": w.draft_id, "entries": [{"path": "x", "ref": "s3://x/y"}]}
    ),
    "completeMultipartUpload": _input(
        lambda w, _: {
            "draftId": w.draft_id,
            "digest": PENDING_DIGEST,
            "uploadId": "u",
            "parts": [{"partNumber": 1, "etag": "e"}],
        }
    ),
    "abortMultipartUpload": _input(
        lambda w, _: {"draftId": w.draft_id, "digest": PENDING_DIGEST, "uploadId": "u"}
    ),
    "confirmArtifactUploads": _input(
        lambda w, _: {"draftId": w.draft_id, "digests": [PENDING_DIGEST]}
    ),
    "commitArtifactDraft": _input(lambda w, _: {"draftId": w.draft_id}),
    "discardArtifactDraft": _input(lambda w, _: {"draftId": w.draft_id}),
    "setArtifactAlias": _input(lambda w, _: {"versionId": w.ids["ArtifactVersion"], "alias": "x"}),
    "removeArtifactAlias": _input(lambda w, _: {"artifact": w.artifact_path, "alias": "prod"}),
    "deleteArtifactVersion": _input(lambda w, _: {"versionId": w.ids["ArtifactVersion"]}),
    "setArtifactVersionTtl": _input(
        lambda w, _: {"versionId": w.ids["ArtifactVersion"], "ttlSeconds": 1}
    ),
    "setOrganizationTtlPolicy": _input(
        lambda w, _: {"organization": w.org, "defaultTtlSeconds": 1, "adminsOnly": False}
    ),
    "setArtifactRetention": _input(lambda w, _: {"artifact": w.artifact_path, "keepLast": 1}),
    "sweepArtifacts": _input(lambda w, _: {"organization": w.org}),
    "updateArtifactVersion": _input(
        lambda w, _: {"id": w.ids["ArtifactVersion"], "description": "pwned", "tags": ["x"]}
    ),
    "updateArtifact": _input(lambda w, _: {"id": w.ids["Artifact"], "description": "pwned"}),
    "deleteArtifact": _input(lambda w, _: {"id": w.ids["Artifact"], "deleteAliases": True}),
    "createRegistry": _input(lambda w, _: {"organization": w.org, "name": "intruder"}),
    "updateRegistry": _input(
        lambda w, _: {"organization": w.org, "name": w.registry, "description": "pwned"}
    ),
    "setRegistryRole": _input(
        lambda w, me: {"organization": w.org, "registry": w.registry, "user": me, "role": "ADMIN"}
    ),
    "removeRegistryRole": _input(
        lambda w, _: {"organization": w.org, "registry": w.registry, "user": w.admin.name}
    ),
    "createCollection": _input(
        lambda w, _: {
            "organization": w.org,
            "registry": w.registry,
            "name": "intruder",
            "type": "model",
        }
    ),
    "updateCollection": _input(
        lambda w, _: {
            "organization": w.org,
            "registry": w.registry,
            "name": "classifier",
            "description": "pwned",
        }
    ),
    "linkArtifact": _input(
        lambda w, _: {"targetPath": w.collection_path, "artifactPath": w.version_path}
    ),
    "unlinkArtifact": _input(lambda w, _: {"path": w.registry_version_path}),
    "setCollectionAlias": _input(lambda w, _: {"path": w.registry_version_path, "alias": "x"}),
    "removeCollectionAlias": _input(
        lambda w, _: {"collectionPath": w.collection_path, "alias": "staging"}
    ),
    "deleteCollection": _input(lambda w, _: {"path": w.collection_path, "unlinkVersions": True}),
    "deleteRegistry": _input(lambda w, _: {"organization": w.org, "name": w.registry}),
    "createRun": _input(
        lambda w, _: {"organization": w.org, "project": w.project, "jobType": "train"}
    ),
    "updateRun": _input(lambda w, _: {"id": w.ids["Run"], "name": "pwned"}),
    "finishRun": _input(lambda w, _: {"id": w.ids["Run"], "state": "FAILED"}),
    "useArtifact": _input(lambda w, _: {"run": w.ids["Run"], "version": w.ids["ArtifactVersion"]}),
    "recordProduced": _input(
        lambda w, _: {"run": w.ids["Run"], "version": w.ids["ArtifactVersion"]}
    ),
    "ingestLineage": _input(
        lambda w, _: {
            "organization": w.org,
            "project": w.project,
            "runs": [{"id": "imported", "jobType": "train"}],
        }
    ),
    "createUser": _input(lambda w, _: {"name": f"{w.org}-user", "isServerAdmin": True}),
    "createApiKey": _input(lambda w, _: {"user": w.admin.name}),
    "revokeApiKey": _input(lambda w, _: {"id": w.ids["ApiKey"]}, "NOT_FOUND"),
    "addOrganizationMember": _input(
        lambda w, me: {"organization": w.org, "user": me, "role": "ADMIN"}
    ),
    "setMemberRole": _input(
        lambda w, _: {"organization": w.org, "user": w.admin.name, "role": "VIEWER"}
    ),
    "removeOrganizationMember": _input(lambda w, _: {"organization": w.org, "user": w.admin.name}),
}


def _selection(definition: GraphQLField) -> str:
    named = get_named_type(definition.type)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return "" if not hasattr(named, "types") else " { __typename }"
    errors = " errors { code }" if "errors" in named.fields else ""
    total = " totalCount" if "totalCount" in named.fields else ""
    return " { __typename" + errors + total + " }"


def document(kind: str, name: str, definition: GraphQLField, args: dict[str, Any]) -> str:
    used = [arg for arg in definition.args if arg in args]
    declared = ", ".join(f"${arg}: {definition.args[arg].type}" for arg in used)
    passed = ", ".join(f"{arg}: ${arg}" for arg in used)
    head = f"{kind}({declared})" if declared else kind
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call}{_selection(definition)} }}"


def outcome(body: dict[str, Any], field: str) -> tuple[set[str], Any]:
    """The error codes a call got (top-level and in its payload) and what data it returned."""
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    data = (body.get("data") or {}).get(field)
    if isinstance(data, dict) and data.get("errors"):
        codes |= {e["code"] for e in data["errors"]}
    return {c for c in codes if c}, data


@dataclass
class Walk:
    api: ApiClient
    anonymous: ApiClient
    stranger: Identity
    world: World

    async def call(
        self, client: ApiClient, query: str, variables: dict[str, Any], **kw: Any
    ) -> Any:
        return await client.gql(query, variables, **kw)

    async def refused(self, kind: str, name: str, definition: GraphQLField, case: Case) -> None:
        args = case.args(self.world, self.stranger.name)
        query = document(kind, name, definition, args)
        body = await self.anonymous.gql(query, args)
        codes, data = outcome(body, name)
        assert "UNAUTHENTICATED" in codes, (name, "anonymous", body)
        assert data is None or set(data) <= {"__typename", "errors"}, (name, body)
        body = await self.api.gql(query, args, headers=self.stranger.headers)
        codes, data = outcome(body, name)
        if EMPTY in case.stranger and not codes:
            assert data["totalCount"] == 0, (name, "stranger", body)
        elif MISSING in case.stranger and not codes:
            assert data is None, (name, "stranger", body)
        elif case.stranger:
            assert codes & case.stranger, (name, "stranger", body)
        else:
            assert not codes, (name, "stranger", body)


async def test_every_root_field_refuses_anonymous_and_foreign_callers(
    api: ApiClient,
    anonymous: ApiClient,
    graph: Graph,
    make_user: MakeUser,
    unique: Callable[[str], str],
) -> None:
    root = schema._schema
    assert root.query_type is not None and root.mutation_type is not None
    queries, mutations = dict(root.query_type.fields), dict(root.mutation_type.fields)
    unknown = (set(queries) - set(QUERIES) - set(PUBLIC)) | (set(mutations) - set(MUTATIONS))
    assert not unknown, f"root fields without an access-control case: {sorted(unknown)}"
    assert not (set(QUERIES) - set(queries)) and not (set(MUTATIONS) - set(mutations))

    world = await build_world(api, await make_user("victim"), unique("org"))
    await add_webhook(graph, world)
    stranger = await make_user("stranger")
    own = unique("org")
    await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
        "{ errors { code } } }",
        {"o": own},
        headers=stranger.headers,
    )
    walk = Walk(api=api, anonymous=anonymous, stranger=stranger, world=world)
    before = await snapshot(graph, world.org)

    node_types = sorted(t.name for t in root.get_implementations(root.get_type("Node")).objects)  # type: ignore[arg-type]
    assert set(node_types) <= set(world.ids), f"Node types without a victim object: {node_types}"
    for type_name in node_types:
        args = {"id": world.ids[type_name]}
        refusal = (MISSING,) if type_name in OUTSIDER_SEES_NOTHING else ()
        await walk.refused("query", "node", queries["node"], case(lambda w, _, a=args: a, *refusal))
    for name, definition in sorted(queries.items()):
        if name not in PUBLIC and name != "node":
            await walk.refused("query", name, definition, QUERIES[name])
    for name, definition in sorted(mutations.items()):
        await walk.refused("mutation", name, definition, MUTATIONS[name])

    assert await snapshot(graph, world.org) == before

    # the victim's own calls pass authorisation: the refusals above were about the caller
    root_admin = await make_user("root", server_admin=True)
    for name, definition in sorted(queries.items()):
        if name in PUBLIC or name == "node":
            continue
        args = QUERIES[name].args(world, world.admin.name)
        who = root_admin if name in SERVER_ADMIN_ONLY else world.admin
        query = document("query", name, definition, args)
        body = await api.gql(query, args, headers=who.headers)
        codes, _ = outcome(body, name)
        assert not codes & {"FORBIDDEN", "UNAUTHENTICATED"}, (name, body)
    # and what a stranger may call on its own data shows nothing of the victim's
    mine = await api.data(
        "{ me { id } apiKeys { edges { node { id } } } }", headers=stranger.headers
    )
    assert mine["me"]["id"] != world.ids["User"]
    assert world.ids["ApiKey"] not in {e["node"]["id"] for e in mine["apiKeys"]["edges"]}
