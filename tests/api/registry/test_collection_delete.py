"""deleteCollection over GraphQL on the real Neo4j: refusal while versions are linked, unlinking
everything, what stays (the versions), access, and links racing a deletion."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any, LiteralString

import pytest

from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.artifacts.ttl import expire_versions
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.refs import parse_registry_path
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now
from graph.registry.delete_collection import _delete_tx
from graph.registry.links import link_version
from tests.conftest import ApiClient, SessionUser
from tests.registry_fixtures import make_version

CREATE_PROJECT = """
mutation($org: String!) {
  createProject(input: {organization: $org, name: "proj"}) { errors { code } }
}
"""

LINK = """
mutation($input: LinkArtifactInput!) {
  linkArtifact(input: $input) {
    created registryVersion { index collection { id } } errors { code message }
  }
}
"""

DELETE = """
mutation($input: DeleteCollectionInput!) {
  deleteCollection(input: $input) {
    deletedCollectionId path unlinkedVersions removedAliases errors { code field }
  }
}
"""

COLLECTION = "query($p: String!) { registryCollection(path: $p) { id versionCount } }"

DELETE_VERSION = """
mutation($v: ID!) { deleteArtifactVersion(input: {versionId: $v}) { errors { code } } }
"""

MEMBERSHIPS = """
query($v: ID!) { registryMemberships(artifactVersionId: $v) { totalCount edges { node { path } } } }
"""

LEFTOVERS: LiteralString = """
RETURN COUNT { MATCH (:CollectionAlias {collection_id: $id}) } AS aliases,
       COUNT { MATCH (m:CollectionAliasMove) WHERE m.collection_id = $id } AS moves,
       COUNT { MATCH ()-[:LINKED_TO {collection_id: $id}]->() } AS links,
       COUNT { MATCH (:Collection {id: $id}) } AS collections,
       COLLECT { MATCH (k:CollectionLock {collection_id: $id}) RETURN k.deleted_at IS NOT NULL }
         AS lock
"""

VERSIONS: LiteralString = """
UNWIND $ids AS id
MATCH (a:Artifact)-[:HAS_VERSION]->(v:ArtifactVersion {id: id})
RETURN v {.*} AS v, a.name AS artifact
ORDER BY v.id
"""

EXPIRE: LiteralString = """
MATCH (v:ArtifactVersion {id: $id})
SET v.expires_at = datetime() - duration('PT1M')
RETURN v.id AS id
"""

AUDIT: LiteralString = """
MATCH (e:AuditEvent {target_id: $id, action: 'collection.delete'})
RETURN e.details AS details
"""


def gid(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def node_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def new_org(api: ApiClient, unique: Callable[[str], str]) -> str:
    org = unique("org")
    assert (await api.data(CREATE_PROJECT, {"org": org}))["createProject"]["errors"] == []
    return org


async def link(api: ApiClient, headers: dict[str, str] | None = None, **input: Any) -> Any:
    return (await api.data(LINK, {"input": input}, headers=headers))["linkArtifact"]


async def delete(api: ApiClient, headers: dict[str, str] | None = None, **input: Any) -> Any:
    return (await api.data(DELETE, {"input": input}, headers=headers))["deleteCollection"]


async def leftovers(graph: Graph, collection_id: str) -> dict[str, Any]:
    row = await graph.read(fetch_one, LEFTOVERS, id=collection_id)
    assert row is not None
    return row


async def test_refused_while_linked_then_unlinks_all_and_keeps_the_versions(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = await new_org(api, unique)
    coll, other = f"{org}/registry-model/cls", f"{org}/registry-model/other"
    versions = [await make_version(graph, org, "resnet") for _ in range(3)]
    for i, v in enumerate(versions):
        linked = await link(
            api, artifactPath=v.path, targetPath=coll, aliases=["staging"] if i == 1 else []
        )
        assert linked["errors"] == []
    collection_id = node_id(linked["registryVersion"]["collection"]["id"])
    assert (await link(api, artifactPath=versions[0].path, targetPath=other))["errors"] == []
    await graph.write(fetch_one, EXPIRE, id=versions[1].id)
    assert await expire_versions(graph, now(), org=org) == []  # linked versions never expire
    before = await graph.read(fetch_all, VERSIONS, ids=[v.id for v in versions])

    refused = await delete(api, path=coll)
    assert refused == {
        "deletedCollectionId": None,
        "path": None,
        "unlinkedVersions": 0,
        "removedAliases": [],
        "errors": [{"code": "HAS_LINKED_VERSIONS", "field": "unlinkVersions"}],
    }
    assert (await api.data(COLLECTION, {"p": coll}))["registryCollection"]["versionCount"] == 3
    still_linked = await api.data(DELETE_VERSION, {"v": gid("ArtifactVersion", versions[2].id)})
    assert still_linked["deleteArtifactVersion"]["errors"] == [{"code": "CONFLICT"}]

    deleted = await delete(api, path=f"{org}/wandb-registry-model/cls", unlinkVersions=True)
    assert deleted == {
        "deletedCollectionId": gid("Collection", collection_id),
        "path": coll,
        "unlinkedVersions": 3,
        "removedAliases": ["latest", "staging"],
        "errors": [],
    }
    assert await api.data(COLLECTION, {"p": coll}) == {"registryCollection": None}
    assert await api.data(
        "query($p: String!) { registryVersion(path: $p) { index } }", {"p": f"{coll}:v0"}
    ) == {"registryVersion": None}
    assert await leftovers(graph, collection_id) == {
        "aliases": 0,
        "moves": 0,
        "links": 0,
        "collections": 0,
        "lock": [True],
    }
    # the versions and their artifact are exactly as they were; only the other link remains
    assert await graph.read(fetch_all, VERSIONS, ids=[v.id for v in versions]) == before
    memberships = await api.data(MEMBERSHIPS, {"v": gid("ArtifactVersion", versions[0].id)})
    assert memberships["registryMemberships"]["totalCount"] == 1
    assert memberships["registryMemberships"]["edges"][0]["node"]["path"] == f"{other}:v0"
    # unlinked versions may now be deleted or expire; the one still in `other` may not
    freed = await api.data(DELETE_VERSION, {"v": gid("ArtifactVersion", versions[2].id)})
    assert freed["deleteArtifactVersion"]["errors"] == []
    kept = await api.data(DELETE_VERSION, {"v": gid("ArtifactVersion", versions[0].id)})
    assert kept["deleteArtifactVersion"]["errors"] == [{"code": "CONFLICT"}]
    assert await expire_versions(graph, now(), org=org) == [versions[1].id]

    [event] = await graph.read(fetch_all, AUDIT, id=collection_id)
    assert json.loads(event["details"]) == {
        "path": coll,
        "type": "model",
        "unlinked_versions": 3,
        "unlinked": [f"v{i}:{v.id}" for i, v in enumerate(versions)],
        "aliases": ["latest", "staging"],
    }
    # the name is free again: a new link creates a new collection, numbered from v0
    relinked = await link(api, artifactPath=versions[0].path, targetPath=coll)
    assert relinked["registryVersion"]["index"] == 0
    assert node_id(relinked["registryVersion"]["collection"]["id"]) != collection_id


async def test_by_id_empty_collections_refusals_and_access(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = await new_org(api, unique)
    created = await api.data(
        """mutation($o: String!) { createCollection(input: {organization: $o, registry: "model",
             name: "empty", type: "model"}) { collection { id } errors { code } } }""",
        {"o": org},
    )
    empty_id = created["createCollection"]["collection"]["id"]
    path = f"{org}/registry-model/empty"

    member, key = await create_user(graph, unique("member"), with_key=True)
    assert key is not None
    await add_member(graph, org, member.name, "member", actor=session_user.name)
    as_member = {"authorization": f"Bearer {key.secret}"}
    for target in ({"path": path}, {"id": empty_id}):
        refused = await delete(api, as_member, **target)
        assert refused["errors"] == [{"code": "FORBIDDEN", "field": None}], target

    for bad, code, field in (
        ({}, "INVALID_INPUT", "path"),
        ({"path": path, "id": empty_id}, "INVALID_INPUT", "path"),
        ({"path": f"{path}:v0"}, "INVALID_PATH", "path"),
        ({"id": gid("Registry", "x")}, "INVALID_INPUT", "id"),
        ({"path": f"{org}/registry-nope/empty"}, "NOT_FOUND", "path"),
        ({"path": f"{org}/registry-model/nope"}, "NOT_FOUND", "path"),
    ):
        assert (await delete(api, **bad))["errors"] == [{"code": code, "field": field}], bad

    deleted = await delete(api, id=empty_id)
    assert (deleted["deletedCollectionId"], deleted["unlinkedVersions"], deleted["errors"]) == (
        empty_id,
        0,
        [],
    )
    again = await delete(api, id=empty_id)
    assert again["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    assert (await delete(api, path=path))["errors"] == [{"code": "NOT_FOUND", "field": "path"}]


async def test_a_link_waiting_on_the_lock_finds_the_collection_gone(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    coll = f"{org}/registry-model/cls"
    first, second = await make_version(graph, org, "m"), await make_version(graph, org, "m")
    linked = await link(api, artifactPath=first.path, targetPath=coll)
    collection_id = node_id(linked["registryVersion"]["collection"]["id"])

    # the deletion holds the collection lock, uncommitted, while a link queues behind it
    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        done = await _delete_tx(tx, parse_registry_path(coll), None, True, "tester")  # type: ignore[arg-type]
        assert done.unlinked_versions == 1
        racing = asyncio.create_task(
            link_version(graph, second.id, parse_registry_path(coll), actor="racer")
        )
        await asyncio.sleep(0.5)
        assert not racing.done()
        await tx.commit()
    with pytest.raises(NotFound, match="deleted meanwhile"):
        await racing
    assert (await leftovers(graph, collection_id))["links"] == 0
    assert await api.data(COLLECTION, {"p": coll}) == {"registryCollection": None}


async def test_links_and_a_delete_racing_leave_no_orphan(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    coll = f"{org}/registry-model/cls"
    seed = await make_version(graph, org, "m")
    first = await link(api, artifactPath=seed.path, targetPath=coll, aliases=["prod"])
    old_id = first["registryVersion"]["collection"]["id"]
    versions = [await make_version(graph, org, "m") for _ in range(10)]

    async def late_link(i: int, path: str) -> Any:
        await asyncio.sleep(0.004 * i)  # spread them so some land before, some after
        return await link(api, artifactPath=path, targetPath=coll)

    outcomes = await asyncio.gather(
        *(late_link(i, v.path) for i, v in enumerate(versions[:5])),
        delete(api, path=coll, unlinkVersions=True),
        *(late_link(i, v.path) for i, v in enumerate(versions[5:], start=5)),
    )
    deleted = outcomes[5]
    links = outcomes[:5] + outcomes[6:]
    assert deleted["errors"] == []
    before = [
        x for x in links if not x["errors"] and x["registryVersion"]["collection"]["id"] == old_id
    ]
    after = [
        x for x in links if not x["errors"] and x["registryVersion"]["collection"]["id"] != old_id
    ]
    failed = [x for x in links if x["errors"]]
    assert all(x["errors"][0]["code"] == "NOT_FOUND" for x in failed), failed
    assert len(before) + len(after) + len(failed) == 10
    # every link that landed in the old collection was unlinked by the deletion
    assert deleted["unlinkedVersions"] == 1 + len(before)
    assert await leftovers(graph, node_id(old_id)) == {
        "aliases": 0,
        "moves": 0,
        "links": 0,
        "collections": 0,
        "lock": [True],
    }
    # links serialised after the deletion made one new collection holding exactly them
    current = (await api.data(COLLECTION, {"p": coll}))["registryCollection"]
    if after:
        assert {x["registryVersion"]["collection"]["id"] for x in after} == {current["id"]}
        assert current["versionCount"] == len(after)
        assert sorted(x["registryVersion"]["index"] for x in after) == list(range(len(after)))
    else:
        assert current is None
