"""Answers as of a moment, through GraphQL: an alias moved three times, a version deleted, a
version linked and unlinked, checked at every moment in between, exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from api.artifacts.ids import global_id
from graph.core.values import now
from tests.conftest import ApiClient
from tests.model_writer import log_version

VERSION = """
query($path: String!, $asOf: DateTime) {
  artifactVersion(path: $path, asOf: $asOf) {
    version state aliases deletedAt deletedBy filesAvailable
  }
}
"""

REGISTRY_VERSION = """
query($path: String!, $asOf: DateTime) {
  registryVersion(path: $path, asOf: $asOf) { index aliases unlinkedAt }
}
"""

SET_ALIAS = """
mutation($id: ID!, $alias: String!) {
  setArtifactAlias(input: {versionId: $id, alias: $alias}) { errors { code message } }
}
"""

DELETE = """
mutation($id: ID!) {
  deleteArtifactVersion(input: {versionId: $id, dropAliases: true}) { errors { code message } }
}
"""

LINK = """
mutation($id: ID!, $target: String!) {
  linkArtifact(input: {artifactVersionId: $id, targetPath: $target, aliases: ["prod"]}) {
    errors { code message }
  }
}
"""

UNLINK = """
mutation($path: String!) { unlinkArtifact(input: {path: $path}) { errors { code message } } }
"""

HISTORY = """
query($path: String!) {
  artifactVersion(path: $path) {
    history(first: 50) { totalCount edges { node { kind alias path otherVersion actor } } }
  }
}
"""


CREATE_PROJECT = """
mutation($org: String!) {
  createProject(input: {organization: $org, name: "p"}) { errors { code message } }
}
"""


async def own_org(api: ApiClient, org: str) -> None:
    """The session user creates the organisation (and becomes its admin)."""
    await ok(api, CREATE_PROJECT, {"org": org})


async def moment() -> datetime:
    """A moment strictly between the change before and the change after."""
    await asyncio.sleep(0.02)
    stamp = now()
    await asyncio.sleep(0.02)
    return stamp


async def ok(api: ApiClient, query: str, variables: dict[str, Any]) -> None:
    data = await api.data(query, variables)
    payload = next(iter(data.values()))
    assert payload["errors"] == [], payload


async def version_at(api: ApiClient, path: str, at: datetime | None) -> Any:
    data = await api.data(VERSION, {"path": path, "asOf": None if at is None else at.isoformat()})
    return data["artifactVersion"]


async def test_an_artifact_alias_through_three_moves_and_a_deletion(
    api: ApiClient, graph: Any, unique: Callable[[str], str]
) -> None:
    org = unique("history")
    await own_org(api, org)
    versions = [await log_version(graph, org, "p", "model", type="model") for _ in range(3)]
    ids = [global_id("ArtifactVersion", v.version.id) for v in versions]
    t0 = await moment()  # v0 v1 v2 exist, latest -> v2, no `prod`
    await ok(api, SET_ALIAS, {"id": ids[0], "alias": "prod"})
    t1 = await moment()  # prod -> v0
    await ok(api, SET_ALIAS, {"id": ids[1], "alias": "prod"})
    t2 = await moment()  # prod -> v1
    await ok(api, SET_ALIAS, {"id": ids[2], "alias": "prod"})
    t3 = await moment()  # prod -> v2
    await ok(api, DELETE, {"id": ids[2]})  # drops prod, latest moves to v1
    t4 = await moment()

    path = f"{org}/p/model"
    expected_prod = {t0: None, t1: "v0", t2: "v1", t3: "v2", t4: None}
    for at, version in expected_prod.items():
        found = await version_at(api, f"{path}:prod", at)
        assert (found and found["version"]) == version, (at, found)
    expected_latest = {t0: "v2", t1: "v2", t2: "v2", t3: "v2", t4: "v1"}
    for at, version in expected_latest.items():
        found = await version_at(api, f"{path}:latest", at)
        assert found["version"] == version, (at, found)

    then = await version_at(api, f"{path}:v2", t3)  # deleted since: present, marked so
    assert then["state"] == "DELETED" and then["filesAvailable"] is False
    assert then["aliases"] == ["latest", "prod"]
    assert then["deletedBy"] is not None
    assert datetime.fromisoformat(then["deletedAt"]) > t3
    assert await version_at(api, f"{path}:v2", None) is None, "now: gone"
    assert await version_at(api, f"{path}:v2", t4) is None, "deleted by then"
    assert (await version_at(api, f"{path}:v1", t2))["aliases"] == ["prod"]
    assert (await version_at(api, f"{path}:v1", t4))["aliases"] == ["latest"]
    before_all = versions[0].version.created_at.replace(year=2000)
    assert await version_at(api, f"{path}:v0", before_all) is None, "not yet created"

    history = (await api.data(HISTORY, {"path": f"{path}:v1"}))["artifactVersion"]["history"]
    kinds = [(e["node"]["kind"], e["node"]["alias"]) for e in history["edges"]]
    assert kinds == [
        ("CREATED", None),
        ("ALIAS_SET", "latest"),
        ("ALIAS_REMOVED", "latest"),
        ("ALIAS_SET", "prod"),
        ("ALIAS_REMOVED", "prod"),
        ("ALIAS_SET", "latest"),
    ]
    assert history["edges"][3]["node"]["otherVersion"] == "v0"
    assert history["edges"][4]["node"]["otherVersion"] == "v2"


async def test_a_registry_collection_through_link_and_unlink(
    api: ApiClient, graph: Any, unique: Callable[[str], str]
) -> None:
    org = unique("reghist")
    await own_org(api, org)
    first, second = [await log_version(graph, org, "p", "model", type="model") for _ in range(2)]
    target = f"{org}/registry-model/classifier"
    t0 = await moment()
    await ok(api, LINK, {"id": global_id("ArtifactVersion", first.version.id), "target": target})
    t1 = await moment()  # v0 linked, prod and latest on it
    await ok(api, LINK, {"id": global_id("ArtifactVersion", second.version.id), "target": target})
    t2 = await moment()  # v1 linked: prod and latest on v1
    await ok(api, UNLINK, {"path": f"{target}:v1"})
    t3 = await moment()  # v1 unlinked: latest back on v0, prod gone

    async def at(selector: str, when: datetime | None) -> Any:
        data = await api.data(
            REGISTRY_VERSION,
            {"path": f"{target}{selector}", "asOf": None if when is None else when.isoformat()},
        )
        return data["registryVersion"]

    assert await at("", t0) is None
    assert (await at("", t1))["index"] == 0
    assert (await at(":prod", t1)) == {
        "index": 0,
        "aliases": ["latest", "prod"],
        "unlinkedAt": None,
    }
    past = await at(":prod", t2)
    assert past["index"] == 1 and past["aliases"] == ["latest", "prod"]
    assert past["unlinkedAt"] is not None and datetime.fromisoformat(past["unlinkedAt"]) > t2
    assert (await at(":v0", t2))["aliases"] == []
    assert await at(":prod", t3) is None
    assert (await at("", t3)) == {"index": 0, "aliases": ["latest"], "unlinkedAt": None}
    assert await at(":v1", t3) is None and await at(":v1", None) is None
    history = (await api.data(HISTORY, {"path": f"{org}/p/model:v1"}))["artifactVersion"]
    kinds = [e["node"]["kind"] for e in history["history"]["edges"]]
    assert kinds.count("LINKED") == 1 and kinds.count("UNLINKED") == 1
    assert "COLLECTION_ALIAS_SET" in kinds and "COLLECTION_ALIAS_REMOVED" in kinds


async def test_as_of_needs_a_past_moment_with_a_zone(api: ApiClient) -> None:
    body = await api.gql(VERSION, {"path": "a/b/c:v0", "asOf": "2100-01-01T00:00:00Z"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
