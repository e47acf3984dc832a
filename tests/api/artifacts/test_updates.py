"""updateArtifactVersion and updateArtifact over GraphQL on real Neo4j and S3: partial edits,
validation as at creation, access, audit, content identity, and concurrent writers."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.core.driver import Graph
from graph.core.tx import fetch_all
from tests.conftest import ApiClient, SessionUser
from tests.sdk.support import VERSION_FIELDS, log_files, unique_bytes

UPDATE_VERSION = (
    "mutation($input: UpdateArtifactVersionInput!) { updateArtifactVersion(input: $input) {"
    f" version {{ {VERSION_FIELDS} }} errors {{ code field }} }} }}"
)

UPDATE_ARTIFACT = (
    "mutation($input: UpdateArtifactInput!) { updateArtifact(input: $input) {"
    " artifact { id name type description tags path versionCount } errors { code field } } }"
)

VERSION = f"query($p: String!) {{ artifactVersion(path: $p) {{ {VERSION_FIELDS} }} }}"

FILES = (
    "query($p: String!) { artifactVersion(path: $p) {"
    " manifest { digest size } files { edges { node { path digest size } } } } }"
)

AUDIT: Any = """
MATCH (e:AuditEvent {target_id: $id, action: $action})
RETURN e.actor AS actor, e.details AS details
ORDER BY e.at
"""


async def _update(api: ApiClient, headers: dict[str, str] | None = None, **input: Any) -> Any:
    data = await api.data(UPDATE_VERSION, {"input": input}, headers=headers)
    return data["updateArtifactVersion"]


async def _update_artifact(
    api: ApiClient, headers: dict[str, str] | None = None, **input: Any
) -> Any:
    data = await api.data(UPDATE_ARTIFACT, {"input": input}, headers=headers)
    return data["updateArtifact"]


async def _audit(graph: Graph, target_id: str, action: str) -> list[dict[str, Any]]:
    rows = await graph.read(fetch_all, AUDIT, id=target_id, action=action)
    return [{"actor": r["actor"], "details": json.loads(r["details"])} for r in rows]


def _node_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def test_version_update_changes_only_given_fields_and_never_the_content(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    files = {"a.txt": unique_bytes("a"), "b.txt": unique_bytes("b")}
    first = await log_files(
        api,
        org,
        "ds",
        files,
        description="raw",
        metadata={"rows": 10, "source": "cam"},
        tags=["raw", "cam"],
        aliases=["prod"],
    )
    v0 = first["version"]
    before_files = await api.data(FILES, {"p": v0["path"]})

    only_description = await _update(api, id=v0["id"], description="cleaned")
    assert only_description["errors"] == []
    assert only_description["version"] == {
        **v0,
        "description": "cleaned",
        "aliases": ["latest", "prod"],
    }

    payload = await _update(api, id=v0["id"], metadata={"rows": 12}, tags=["clean", "clean", "v2"])
    assert payload["errors"] == []
    got = payload["version"]
    assert (got["description"], got["metadata"], got["tags"]) == (
        "cleaned",
        {"rows": 12},
        ["clean", "v2"],
    )
    for field in ("digest", "size", "fileCount", "index", "path", "state", "createdBy"):
        assert got[field] == v0[field], field

    cleared = await _update(api, id=v0["id"], description="", metadata={}, tags=[])
    assert (cleared["version"]["description"], cleared["version"]["metadata"]) == ("", {})
    assert cleared["version"]["tags"] == []
    nothing = await _update(api, id=v0["id"], description=None)
    assert nothing["errors"] == [] and nothing["version"] == cleared["version"]

    assert await api.data(FILES, {"p": v0["path"]}) == before_files
    # equal content logged again is still the same version, with its edited fields kept
    again = await log_files(api, org, "ds", files, description="other", metadata={"x": 1})
    assert (again["created"], again["version"]["id"]) == (False, v0["id"])
    assert (again["version"]["description"], again["version"]["metadata"]) == ("", {})

    events = await _audit(graph, _node_id(v0["id"]), "artifact_version.update")
    assert [e["actor"] for e in events] == [session_user.name] * 3
    assert [e["details"] for e in events] == [
        {"path": f"{org}/p/ds:v0", "description": ["raw", "cleaned"]},
        {
            "path": f"{org}/p/ds:v0",
            "metadata": {"added": [], "removed": ["source"], "changed": ["rows"]},
            "tags": [["raw", "cam"], ["clean", "v2"]],
        },
        {
            "path": f"{org}/p/ds:v0",
            "description": ["cleaned", ""],
            "metadata": {"added": [], "removed": ["rows"], "changed": []},
            "tags": [["clean", "v2"], []],
        },
    ]


async def test_updates_are_validated_like_creation_and_change_nothing_when_refused(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}, description="d"))["version"]
    artifact = v0["artifact"]["id"]
    refusals: list[tuple[dict[str, Any], str, str]] = [
        ({"description": "x" * (16 * 1024 + 1)}, "INVALID_INPUT", "description"),
        ({"metadata": {f"k{i}": i for i in range(101)}}, "METADATA_TOO_LARGE", "metadata"),
        ({"metadata": {"blob": "x" * (64 * 1024)}}, "METADATA_TOO_LARGE", "metadata"),
        ({"metadata": [1, 2]}, "INVALID_INPUT", "metadata"),
        ({"tags": ["ok", "not a name!"]}, "INVALID_NAME", "tags"),
        ({"tags": [f"t{i}" for i in range(65)]}, "INVALID_INPUT", "tags"),
        # a valid field does not slip through beside an invalid one
        ({"description": "new", "tags": ["bad/tag"]}, "INVALID_NAME", "tags"),
    ]
    for fields, code, field in refusals:
        payload = await _update(api, id=v0["id"], **fields)
        assert payload == {"version": None, "errors": [{"code": code, "field": field}]}, fields
    for fields, code, field in refusals:
        if "metadata" in fields:
            continue
        payload = await _update_artifact(api, id=artifact, **fields)
        assert payload == {"artifact": None, "errors": [{"code": code, "field": field}]}, fields
    assert (await api.data(VERSION, {"p": v0["path"]}))["artifactVersion"] == v0

    not_an_id = await _update(api, id="nope", description="x")
    assert not_an_id["errors"] == [{"code": "INVALID_INPUT", "field": "id"}]
    wrong_type = await _update(api, id=artifact, description="x")
    assert wrong_type["errors"] == [{"code": "INVALID_INPUT", "field": "id"}]


async def test_artifact_update_and_its_audit(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = (
        await log_files(
            api, org, "ds", {"f": unique_bytes()}, artifactDescription="first", tags=["vt"]
        )
    )["version"]
    artifact = v0["artifact"]["id"]
    payload = await _update_artifact(api, id=artifact, tags=["vision", "daily"])
    assert payload == {
        "artifact": {
            "id": artifact,
            "name": "ds",
            "type": "dataset",
            "description": "first",
            "tags": ["vision", "daily"],
            "path": f"{org}/p/ds",
            "versionCount": 1,
        },
        "errors": [],
    }
    described = await _update_artifact(api, id=artifact, description="images, daily")
    assert (described["artifact"]["description"], described["artifact"]["tags"]) == (
        "images, daily",
        ["vision", "daily"],
    )
    cleared = await _update_artifact(api, id=artifact, description="", tags=[])
    assert (cleared["artifact"]["description"], cleared["artifact"]["tags"]) == ("", [])
    # the artifact's fields are its own: the version keeps its tags
    version = (await api.data(VERSION, {"p": v0["path"]}))["artifactVersion"]
    assert version["tags"] == ["vt"]
    events = await _audit(graph, _node_id(artifact), "artifact.update")
    assert [e["details"] for e in events] == [
        {"path": f"{org}/p/ds", "tags": [[], ["vision", "daily"]]},
        {"path": f"{org}/p/ds", "description": ["first", "images, daily"]},
        {
            "path": f"{org}/p/ds",
            "description": ["images, daily", ""],
            "tags": [["vision", "daily"], []],
        },
    ]


async def test_access_and_deleted_versions(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    artifact = v0["artifact"]["id"]
    people: dict[str, dict[str, str]] = {}
    for role in ("viewer", "member"):
        user, key = await create_user(graph, unique(role), with_key=True)
        assert key is not None
        await add_member(graph, org, user.name, role, actor=session_user.name)
        people[role] = {"authorization": f"Bearer {key.secret}"}
    _, key = await create_user(graph, unique("outsider"), with_key=True)
    assert key is not None
    people["outsider"] = {"authorization": f"Bearer {key.secret}"}

    for who in ("viewer", "outsider"):
        refused = await _update(api, people[who], id=v0["id"], description="x")
        assert refused == {"version": None, "errors": [{"code": "FORBIDDEN", "field": None}]}
        refused = await _update_artifact(api, people[who], id=artifact, description="x")
        assert refused == {"artifact": None, "errors": [{"code": "FORBIDDEN", "field": None}]}
    by_member = await _update(api, people["member"], id=v0["id"], tags=["checked"])
    assert by_member["errors"] == [] and by_member["version"]["tags"] == ["checked"]
    assert (await _update_artifact(api, people["member"], id=artifact, tags=["a"]))["errors"] == []

    deleted = await api.data(
        "mutation($v: ID!) { deleteArtifactVersion(input: {versionId: $v}) { errors { code } } }",
        {"v": v0["id"]},
    )
    assert deleted["deleteArtifactVersion"]["errors"] == []
    gone = await _update(api, id=v0["id"], description="late")
    assert gone == {"version": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}


async def test_concurrent_updates_serialise_and_lose_no_write(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}, description="d0"))["version"]
    writers = 24

    def fields(i: int) -> dict[str, Any]:
        kind = i % 3
        if kind == 0:
            return {"description": f"d{i + 1}"}
        if kind == 1:
            return {"tags": [f"t{i}"]}
        return {"metadata": {"writer": i}}

    results = await asyncio.gather(
        *(_update(api, id=v0["id"], **fields(i)) for i in range(writers))
    )
    assert all(r["errors"] == [] for r in results)
    final = (await api.data(VERSION, {"p": v0["path"]}))["artifactVersion"]
    assert final["description"] in {f"d{i + 1}" for i in range(0, writers, 3)}
    assert final["tags"] in [[f"t{i}"] for i in range(1, writers, 3)]
    assert final["metadata"] in [{"writer": i} for i in range(2, writers, 3)]
    assert final["digest"] == v0["digest"]

    # every update was applied on top of the previous one: the descriptions it recorded form
    # one chain from the original to the final value, each write seen exactly once
    events = await _audit(graph, _node_id(v0["id"]), "artifact_version.update")
    assert len(events) == writers
    moves = [e["details"]["description"] for e in events if "description" in e["details"]]
    assert len(moves) == writers // 3
    by_before = {before: after for before, after in moves}
    value, seen = "d0", []
    while value in by_before:
        value = by_before.pop(value)
        seen.append(value)
    assert value == final["description"] and not by_before and len(seen) == writers // 3
