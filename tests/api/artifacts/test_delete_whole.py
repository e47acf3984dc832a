"""deleteArtifact over GraphQL on the real Neo4j and S3: what goes and what stays, refusals,
shared blobs surviving garbage collection, access, and commits racing a deletion."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, LiteralString

import httpx
import pytest

import lineage
from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.artifacts.delete_artifact import _delete_tx
from graph.artifacts.gc import collect_garbage
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.refs import parse_registry_path
from graph.core.tx import fetch_all, fetch_one
from graph.lineage import edges, runs
from graph.registry.links import link_version
from storage.base import BlobStore
from tests.conftest import ApiClient, LiveServer, SessionUser
from tests.sdk.support import commit, create_draft, log_files, sha, unique_bytes, upload_all

DELETE = """
mutation($input: DeleteArtifactInput!) {
  deleteArtifact(input: $input) {
    deletedArtifactId path deletedVersions discardedDrafts removedAliases
    errors { code message field }
  }
}
"""

DELETE_VERSION = """
mutation($v: ID!) { deleteArtifactVersion(input: {versionId: $v}) { errors { code } } }
"""

ARTIFACT = "query($p: String!) { artifact(path: $p) { id versions { totalCount } } }"

LINK = """
mutation($v: String!, $t: String!) {
  linkArtifact(input: {artifactPath: $v, targetPath: $t}) {
    registryVersion { path } errors { code }
  }
}
"""

# Without `version { artifact }`, which a deletion may remove before the payload is resolved.
COMMIT = """
mutation($d: ID!) {
  commitArtifactDraft(input: {draftId: $d}) { created version { id } errors { code } }
}
"""

UNLINK = "mutation($p: String!) { unlinkArtifact(input: {path: $p}) { errors { code } } }"

LEFT: LiteralString = """
RETURN COUNT { MATCH (:Artifact {id: $id}) } AS artifacts,
       COUNT { MATCH (a:Alias) WHERE a.artifact_id = $id } AS aliases,
       COUNT { MATCH (e:AliasEvent) WHERE e.artifact_id = $id } AS events,
       COLLECT { MATCH (v:ArtifactVersion) WHERE v.artifact_id = $id
                 RETURN [v.index, v.state, v.deleted_by] ORDER BY v.index } AS versions,
       COUNT { MATCH (d:ArtifactVersion {id: $draft}) } AS drafts,
       COLLECT { MATCH (:Run {id: $run})-[e:CONSUMED|PRODUCED]->(v:ArtifactVersion)
                 RETURN type(e) + ':v' + toString(v.index) ORDER BY type(e) } AS run_edges
"""

AUDIT: LiteralString = """
MATCH (e:AuditEvent {target_id: $id, action: 'artifact.delete'})
RETURN e.details AS details, e.actor AS actor
"""

# A COMMITTED version whose artifact is missing: what a commit racing a delete must never leave.
ORPHANS: LiteralString = """
MATCH (v:ArtifactVersion {org_name: $org})
WHERE v.state = 'COMMITTED' AND NOT EXISTS { (:Artifact)-[:HAS_VERSION]->(v) }
RETURN v.id AS id
"""


def node_id(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]


async def delete(api: ApiClient, headers: dict[str, str] | None = None, **input: Any) -> Any:
    return (await api.data(DELETE, {"input": input}, headers=headers))["deleteArtifact"]


async def uploaded_draft(api: ApiClient, org: str, name: str, files: dict[str, bytes]) -> str:
    """A draft whose blobs are in the store: ready to commit."""
    draft = await create_draft(api, org, name, files)
    async with httpx.AsyncClient(timeout=60) as http:
        by_digest = {sha(d): d for d in files.values()}
        await upload_all(api, http, draft["draftId"], draft["uploads"], by_digest)
    return str(draft["draftId"])


async def test_deletes_versions_drafts_aliases_and_history_keeps_lineage_frees_the_name(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    path = f"{org}/p/ds"
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}, aliases=["best"]))["version"]
    v1 = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    v2 = (await log_files(api, org, "ds", {"f": unique_bytes()}, aliases=["prod"]))["version"]
    assert (await api.data(DELETE_VERSION, {"v": v1["id"]}))["deleteArtifactVersion"] == {
        "errors": []
    }
    run_id = (await runs.create_run(graph, org, "p", runs.NewRun(job_type="train"))).id
    await edges.record_produced(graph, run_id, node_id(v2["id"]))
    await edges.use_artifact(graph, run_id, version_id=node_id(v0["id"]))
    draft_id = await uploaded_draft(api, org, "ds", {"g": unique_bytes()})
    artifact_id = v0["artifact"]["id"]
    params = {"id": node_id(artifact_id), "draft": draft_id, "run": run_id}
    before = await graph.read(fetch_one, LEFT, **params)

    refused = await delete(api, id=artifact_id)
    assert refused["errors"] == [
        {
            "code": "HAS_ALIASES",
            "message": f"Versions of {path} have aliases v0:best, v2:prod; remove them or pass "
            "deleteAliases: true",
            "field": "deleteAliases",
        }
    ]
    assert refused["deletedArtifactId"] is None
    assert await graph.read(fetch_one, LEFT, **params) == before  # nothing changed

    deleted = await delete(api, path=path, deleteAliases=True)
    assert deleted == {
        "deletedArtifactId": artifact_id,
        "path": path,
        "deletedVersions": 2,
        "discardedDrafts": 1,
        "removedAliases": ["v0:best", "v2:prod"],
        "errors": [],
    }
    assert await api.data(ARTIFACT, {"p": path}) == {"artifact": None}
    left = await graph.read(fetch_one, LEFT, **params)
    actor = session_user.name
    assert left == {
        "artifacts": 0,
        "aliases": 0,
        "events": 0,
        # tombstones, as deleteArtifactVersion leaves them (v1 was deleted before)
        "versions": [[0, "DELETED", actor], [1, "DELETED", actor], [2, "DELETED", actor]],
        "drafts": 0,
        # the run still records what it consumed and produced
        "run_edges": ["CONSUMED:v0", "PRODUCED:v2"],
    }
    [event] = await graph.read(fetch_all, AUDIT, id=node_id(artifact_id))
    assert event["actor"] == actor
    assert json.loads(event["details"]) == {
        "path": path,
        "name": "ds",
        "type": "dataset",
        "versions": 2,
        "discarded_drafts": 1,
        "dropped_aliases": ["v0:best", "v2:prod"],
    }

    # the discarded draft cannot be committed; the name starts a new artifact from v0
    gone = await commit(api, draft_id)
    assert [e["code"] for e in gone["errors"]] == ["NOT_FOUND"]
    again = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    assert again["index"] == 0 and again["artifact"]["id"] != artifact_id
    for target in ({"id": artifact_id}, {"path": f"{org}/p/nope"}):
        missing = await delete(api, **target)
        assert [(e["code"], e["field"]) for e in missing["errors"]] == [
            ("NOT_FOUND", "id" if "id" in target else "path")
        ]


async def test_refused_while_a_version_is_linked_in_a_registry(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    path = f"{org}/p/ds"
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    await log_files(api, org, "ds", {"f": unique_bytes()})
    linked = await api.data(LINK, {"v": f"{path}:v0", "t": f"{org}/registry-dataset/golden"})
    assert linked["linkArtifact"]["errors"] == []

    refused = await delete(api, id=v0["artifact"]["id"], deleteAliases=True)
    assert refused["errors"] == [
        {
            "code": "HAS_LINKED_VERSIONS",
            "message": f"1 version(s) of {path} are linked in the registry (v0 in "
            f"{org}/registry-dataset/golden:v0); unlink them or delete those collections first",
            "field": "id",
        }
    ]
    assert (await api.data(ARTIFACT, {"p": path}))["artifact"]["versions"]["totalCount"] == 2

    unlinked = await api.data(UNLINK, {"p": f"{org}/registry-dataset/golden:v0"})
    assert unlinked["unlinkArtifact"]["errors"] == []
    deleted = await delete(api, id=v0["artifact"]["id"])
    assert (deleted["deletedVersions"], deleted["errors"]) == (2, [])


async def test_a_blob_another_artifact_uses_survives_garbage_collection(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], s3_store: BlobStore, tmp_path: Path
) -> None:
    org = unique("org")
    shared, own = unique_bytes("shared"), unique_bytes("own")
    await log_files(api, org, "a", {"shared.bin": shared, "own.bin": own})
    await log_files(api, org, "a", {"shared.bin": shared})
    b = (await log_files(api, org, "b", {"copy.bin": shared}))["version"]
    a_id = (await api.data(ARTIFACT, {"p": f"{org}/p/a"}))["artifact"]["id"]

    assert (await delete(api, id=a_id))["errors"] == []
    report = await collect_garbage(graph, s3_store, digests=[sha(shared), sha(own)])
    assert report.deleted == [sha(own)]
    assert not await s3_store.exists(sha(own))
    assert await s3_store.exists(sha(shared))
    target = tmp_path / "copy.bin"
    assert await s3_store.get_to_file(sha(shared), target) == len(shared)
    assert target.read_bytes() == shared
    still = await api.data(
        "query($p: String!) { artifactVersion(path: $p) { id fileCount } }", {"p": f"{org}/p/b:v0"}
    )
    assert still["artifactVersion"] == {"id": b["id"], "fileCount": 1}


async def test_needs_write_access_and_exactly_one_target(
    api: ApiClient, graph: Graph, unique: Callable[[str], str], session_user: SessionUser
) -> None:
    org = unique("org")
    version = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    artifact_id = version["artifact"]["id"]
    viewer, key = await create_user(graph, unique("viewer"), with_key=True)
    assert key is not None
    await add_member(graph, org, viewer.name, "viewer", actor=session_user.name)
    as_viewer = {"authorization": f"Bearer {key.secret}"}
    for target in ({"id": artifact_id}, {"path": f"{org}/p/ds"}):
        refused = await delete(api, as_viewer, **target)
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], target
    for bad, code, field in (
        ({}, "INVALID_INPUT", "id"),
        ({"id": artifact_id, "path": f"{org}/p/ds"}, "INVALID_INPUT", "id"),
        ({"id": version["id"]}, "INVALID_INPUT", "id"),  # a version's id, not an artifact's
        ({"path": f"{org}/p/ds:v0"}, "INVALID_PATH", "path"),
        ({"path": f"{unique('nobody')}/p/ds"}, "NOT_FOUND", "organization"),
    ):
        got = await delete(api, **bad)
        assert [(e["code"], e["field"]) for e in got["errors"]] == [(code, field)], bad
    assert (await api.data(ARTIFACT, {"p": f"{org}/p/ds"}))["artifact"]["id"] == artifact_id


async def test_a_commit_queued_behind_the_deletion_finds_its_draft_gone(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    version = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    draft_id = await uploaded_draft(api, org, "ds", {"g": unique_bytes()})

    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        done = await _delete_tx(tx, node_id(version["artifact"]["id"]), False, "tester")  # type: ignore[arg-type]
        assert (done.deleted_versions, done.discarded_drafts) == (1, 1)
        racing = asyncio.create_task(commit(api, draft_id))
        await asyncio.sleep(0.5)
        assert not racing.done()
        await tx.commit()
    committed = await racing
    assert [e["code"] for e in committed["errors"]] == ["NOT_FOUND"]
    assert await graph.read(fetch_all, ORPHANS, org=org) == []
    assert await api.data(ARTIFACT, {"p": f"{org}/p/ds"}) == {"artifact": None}


async def test_commits_racing_a_deletion_land_before_it_or_fail_without_writing(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    version = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    drafts = [await uploaded_draft(api, org, "ds", {"g": unique_bytes()}) for _ in range(4)]

    async def late_commit(i: int, draft_id: str) -> tuple[set[str], Any]:
        await asyncio.sleep(0.02 * i)  # spread them so some land before, some after
        body = await api.gql(COMMIT, {"d": draft_id})
        payload = (body.get("data") or {}).get("commitArtifactDraft") or {}
        codes = {e["extensions"]["code"] for e in body.get("errors") or []}
        return codes | {e["code"] for e in payload.get("errors") or []}, payload.get("version")

    async def late_delete() -> Any:
        await asyncio.sleep(0.03)
        return await delete(api, id=version["artifact"]["id"])

    outcomes = await asyncio.gather(
        *(late_commit(i, d) for i, d in enumerate(drafts[:2])),
        late_delete(),
        *(late_commit(i, d) for i, d in enumerate(drafts[2:], start=2)),
    )
    deleted, commits = outcomes[2], outcomes[:2] + outcomes[3:]
    assert deleted["errors"] == []
    landed = [v for codes, v in commits if not codes]
    assert all(v is not None for v in landed)
    # NOT_FOUND: the draft was discarded (also for a commit already queued on the draft's lock:
    # graph/artifacts/commit.py reads the draft again once locked)
    assert all(codes <= {"NOT_FOUND"} for codes, _ in commits), commits
    # every commit that landed did so before the deletion, which deleted its version too
    assert deleted["deletedVersions"] == 1 + len(landed)
    assert deleted["discardedDrafts"] == 4 - len(landed)
    assert await graph.read(fetch_all, ORPHANS, org=org) == []
    assert await api.data(ARTIFACT, {"p": f"{org}/p/ds"}) == {"artifact": None}


def test_the_sdk_deletes_an_artifact(
    live_local_server: LiveServer,
    unique: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LINEAGE_PROGRESS", "0")
    org = unique("org")
    with lineage.Client(live_local_server.url, api_key=live_local_server.api_key) as client:
        for i in range(2):
            source = tmp_path / f"f{i}.bin"
            source.write_bytes(unique_bytes())
            art = lineage.Artifact("images", "dataset")
            art.add_file(source)
            lineage.log_artifact(art, project=f"{org}/p", client=client, aliases=["best"])
        with pytest.raises(lineage.LineageError) as refused:
            lineage.delete_artifact(f"{org}/p/images", client=client)
        assert (refused.value.code, refused.value.field) == ("HAS_ALIASES", "deleteAliases")
        deleted = lineage.delete_artifact(f"{org}/p/images", delete_aliases=True, client=client)
        assert (deleted.path, deleted.deleted_versions, deleted.removed_aliases) == (
            f"{org}/p/images",
            2,
            ["v1:best"],
        )
        with pytest.raises(lineage.LineageError) as gone:
            lineage.get_artifact(f"{org}/p/images:latest", client=client)
        assert gone.value.code == "NOT_FOUND"


LINKED_TOMBSTONES: LiteralString = """
MATCH (v:ArtifactVersion {org_name: $org})-[:LINKED_TO]->(:Collection)
WHERE v.state <> 'COMMITTED'
RETURN v.id AS id
"""


async def test_a_link_racing_the_deletion_never_links_a_deleted_version(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    version = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    target = parse_registry_path(f"{org}/registry-dataset/golden")

    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        await _delete_tx(tx, node_id(version["artifact"]["id"]), False, "tester")  # type: ignore[arg-type]
        racing = asyncio.create_task(
            link_version(graph, node_id(version["id"]), target, actor="racer")
        )
        await asyncio.sleep(0.5)
        await tx.commit()
    [outcome] = await asyncio.gather(racing, return_exceptions=True)
    assert isinstance(outcome, NotFound), outcome
    assert await graph.read(fetch_all, LINKED_TOMBSTONES, org=org) == []
