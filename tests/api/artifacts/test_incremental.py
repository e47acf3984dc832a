"""Behaviours 6 and 7: references, incremental versions, retention, and the producing run."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.relay import GlobalID

from graph.core.driver import Graph
from graph.core.tx import fetch_all
from graph.lineage import runs
from tests.conftest import ApiClient
from tests.sdk.support import commit, create_draft, log_files, sha, unique_bytes

PATHS = """
query($p: String!) {
  artifactVersion(path: $p) {
    index fileCount
    files(first: 100) { edges { node { path digest ref etag versionId size url } } }
  }
}
"""

RETENTION = """
mutation($p: String!, $n: Int) {
  setArtifactRetention(input: {artifact: $p, keepLast: $n}) {
    artifact { keepLast } errors { code }
  }
}
"""


async def _paths(api: ApiClient, path: str) -> list[str]:
    data = await api.data(PATHS, {"p": path})
    return [e["node"]["path"] for e in data["artifactVersion"]["files"]["edges"]]


async def test_an_incremental_version_adds_replaces_and_removes_and_uploads_only_changes(
    api: ApiClient, unique: Callable[[str], str], graph: Graph
) -> None:
    org = unique("org")
    base_files = {"keep": unique_bytes("k"), "change": unique_bytes("c"), "drop": unique_bytes("d")}
    base = (await log_files(api, org, "ds", base_files))["version"]
    changed, added = unique_bytes("c2"), unique_bytes("n")
    entries = [
        {"path": "change", "digest": sha(changed), "size": len(changed)},
        {"path": "drop", "remove": True},
        {"path": "new/file", "digest": sha(added), "size": len(added)},
        {
            "path": "same-as-keep",
            "digest": sha(base_files["keep"]),
            "size": len(base_files["keep"]),
        },
    ]
    draft = await create_draft(api, org, "ds", {}, entries=entries, baseVersion=base["id"])
    assert sorted(u["digest"] for u in draft["uploads"]) == sorted([sha(changed), sha(added)])
    import httpx

    from tests.sdk.support import upload_all

    async with httpx.AsyncClient() as http:
        await upload_all(
            api,
            http,
            draft["draftId"],
            draft["uploads"],
            {sha(changed): changed, sha(added): added},
        )
    result = await commit(api, draft["draftId"])
    assert result["created"] and result["version"]["index"] == 1
    assert await _paths(api, f"{org}/p/ds:v1") == ["change", "keep", "new/file", "same-as-keep"]
    assert await _paths(api, f"{org}/p/ds:v0") == ["change", "drop", "keep"]
    blobs = await graph.read(
        fetch_all,
        "MATCH (:ArtifactVersion {id: $id})-[:HAS_BLOB]->(b:Blob) RETURN b.digest AS d ORDER BY d",
        id=_node_id(result["version"]["id"]),
    )
    assert [row["d"] for row in blobs] == sorted(
        {sha(changed), sha(added), sha(base_files["keep"])}
    )

    removing_unknown = await create_draft(
        api, org, "ds", {}, entries=[{"path": "never", "remove": True}], baseVersion=base["id"]
    )
    failed = await commit(api, removing_unknown["draftId"])
    assert failed["errors"][0]["code"] == "INVALID_PATH"


def _node_id(global_id: str) -> str:
    from api.artifacts.ids import node_id_of

    return node_id_of(global_id, "ArtifactVersion", field="id")


async def test_references_make_a_new_version_only_when_the_recorded_content_changes(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    ref = [
        {
            "path": "raw/a.csv",
            "ref": "s3://bucket/raw/a.csv",
            "etag": '"e1"',
            "size": 10,
            "versionId": "1",
        }
    ]
    first = await log_files(api, org, "refs", {}, entries=ref)
    assert first["created"] and first["version"]["fileCount"] == 1
    same = await log_files(api, org, "refs", {}, entries=ref)
    assert same["created"] is False
    changed = [{**ref[0], "etag": '"e2"', "versionId": "2"}]
    second = await log_files(api, org, "refs", {}, entries=changed)
    assert second["created"] and second["version"]["index"] == 1
    data = await api.data(PATHS, {"p": f"{org}/p/refs:v1"})
    [node] = [e["node"] for e in data["artifactVersion"]["files"]["edges"]]
    assert node == {
        "path": "raw/a.csv",
        "digest": None,
        "ref": "s3://bucket/raw/a.csv",
        "etag": '"e2"',
        "versionId": "2",
        "size": 10,
        "url": None,
    }
    location_only = await log_files(
        api, org, "web", {}, entries=[{"path": "page", "ref": "https://example.com/x"}]
    )
    web = await api.data(PATHS, {"p": f"{org}/p/web"})
    assert location_only["created"]
    assert web["artifactVersion"]["files"]["edges"][0]["node"]["url"] == "https://example.com/x"


async def test_keep_last_n_never_removes_aliased_versions(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    for i in range(5):
        await log_files(
            api, org, "ckpt", {"w": unique_bytes(str(i))}, aliases=["best"] if i == 1 else None
        )
    result = await api.data(RETENTION, {"p": f"{org}/p/ckpt", "n": 2})
    assert result["setArtifactRetention"]["artifact"] == {"keepLast": 2}
    versions = await api.data(
        "query($p: String!) { artifact(path: $p) {"
        " versions { edges { node { index aliases } } } } }",
        {"p": f"{org}/p/ckpt"},
    )
    kept = [
        (e["node"]["index"], e["node"]["aliases"])
        for e in versions["artifact"]["versions"]["edges"]
    ]
    assert kept == [(4, ["latest"]), (3, []), (1, ["best"])]
    await log_files(api, org, "ckpt", {"w": unique_bytes("5")})
    versions = await api.data(
        "query($p: String!) { artifact(path: $p) { versions { edges { node { index } } } } }",
        {"p": f"{org}/p/ckpt"},
    )
    assert [e["node"]["index"] for e in versions["artifact"]["versions"]["edges"]] == [5, 4, 1]
    bad = await api.data(RETENTION, {"p": f"{org}/p/ckpt", "n": 0})
    assert bad["setArtifactRetention"]["errors"] == [{"code": "INVALID_INPUT"}]


async def test_a_run_id_records_the_producer_of_a_new_version_only(
    api: ApiClient, unique: Callable[[str], str], graph: Graph
) -> None:
    org = unique("org")
    await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"})'
        " { errors { code } } }",
        {"o": org},
    )
    run_id = (await runs.create_run(graph, org, "p", runs.NewRun(job_type="train"))).id
    files = {"m": unique_bytes()}
    made = await log_files(api, org, "model", files, type="model", runId=run_id)
    assert made["version"]["producedBy"] == str(GlobalID("Run", run_id))
    again = await log_files(api, org, "model", files, type="model", runId=run_id)
    assert again["created"] is False
    edges = await graph.read(
        fetch_all,
        "MATCH (:Run {id: $id})-[p:PRODUCED]->(v) RETURN v.index AS index, p.at IS NOT NULL AS at",
        id=run_id,
    )
    assert edges == [{"index": 0, "at": True}]
