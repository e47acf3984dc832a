"""Behaviour 8 over GraphQL: deletion, TTL (per version, per team, admins-only), the sweep."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from api.context import Services
from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.artifacts import drafts
from graph.artifacts.ttl import expire_versions
from graph.core.driver import Graph
from graph.core.tx import fetch_all, fetch_one
from graph.core.values import now
from storage.base import BlobStore
from tests.conftest import ApiClient, SessionUser
from tests.sdk.support import commit, create_draft, log_files, sha, unique_bytes
from workflows.sweeper import run_sweeper

DELETE = """
mutation($v: ID!, $drop: Boolean!) {
  deleteArtifactVersion(input: {versionId: $v, dropAliases: $drop}) {
    deletedVersionId errors { code }
  }
}
"""

SET_TTL = """
mutation($v: ID!, $ttl: Int) {
  setArtifactVersionTtl(input: {versionId: $v, ttlSeconds: $ttl}) {
    version { ttlSeconds expiresAt createdAt } errors { code }
  }
}
"""

POLICY = """
mutation($o: String!, $ttl: Int, $admins: Boolean!) {
  setOrganizationTtlPolicy(
    input: {organization: $o, defaultTtlSeconds: $ttl, adminsOnly: $admins}
  ) {
    policy { organization defaultTtlSeconds adminsOnly } errors { code }
  }
}
"""

SWEEP = """
mutation($o: String!) {
  sweepArtifacts(input: {organization: $o}) {
    expiredVersions expiredDrafts retentionDeleted deletedBlobs errors { code }
  }
}
"""

INDEXES = (
    "query($p: String!) { artifact(path: $p) { versions { edges { node { index aliases } } } } }"
)


async def _indexes(api: ApiClient, path: str) -> list[tuple[int, list[str]]]:
    data = await api.data(INDEXES, {"p": path})
    return [
        (e["node"]["index"], e["node"]["aliases"]) for e in data["artifact"]["versions"]["edges"]
    ]


async def test_deleting_refuses_aliased_versions_moves_latest_and_never_reuses_an_index(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = (await log_files(api, org, "ds", {"f": unique_bytes()}, aliases=["keep"]))["version"]
    v1 = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    refused = await api.data(DELETE, {"v": v0["id"], "drop": False})
    assert refused["deleteArtifactVersion"]["errors"] == [{"code": "HAS_ALIASES"}]
    latest_only = await api.data(DELETE, {"v": v1["id"], "drop": False})
    assert latest_only["deleteArtifactVersion"]["errors"] == []
    assert await _indexes(api, f"{org}/p/ds") == [(0, ["keep", "latest"])]
    again = await api.data(DELETE, {"v": v1["id"], "drop": False})
    assert again["deleteArtifactVersion"]["errors"] == [{"code": "NOT_FOUND"}]
    v2 = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    assert v2["index"] == 2
    dropped = await api.data(DELETE, {"v": v0["id"], "drop": True})
    assert dropped["deleteArtifactVersion"]["errors"] == []
    assert await _indexes(api, f"{org}/p/ds") == [(2, ["latest"])]
    resolved = await api.data(
        "query($p: String!) { artifactVersion(path: $p) { index } }", {"p": f"{org}/p/ds:keep"}
    )
    assert resolved["artifactVersion"] is None


async def test_version_ttl_counts_from_creation_and_the_sweep_expires_it(
    api: ApiClient, unique: Callable[[str], str], graph: Graph, s3_store: BlobStore
) -> None:
    org = unique("org")
    data = unique_bytes()
    version = (await log_files(api, org, "ds", {"f": data}, aliases=["x"]))["version"]
    set_ttl = await api.data(SET_TTL, {"v": version["id"], "ttl": 3600})
    ttl = set_ttl["setArtifactVersionTtl"]["version"]
    assert ttl["ttlSeconds"] == 3600 and ttl["expiresAt"] > ttl["createdAt"]
    cleared = await api.data(SET_TTL, {"v": version["id"], "ttl": 0})
    assert cleared["setArtifactVersionTtl"]["version"]["expiresAt"] is None
    await api.data(SET_TTL, {"v": version["id"], "ttl": 1})
    assert await expire_versions(graph, now() + timedelta(seconds=5), org=org) == [
        _node(version["id"])
    ]
    assert await _indexes(api, f"{org}/p/ds") == []
    swept = await api.data(SWEEP, {"o": org})
    assert swept["sweepArtifacts"]["errors"] == []
    assert not await s3_store.exists(sha(data))
    audit = await graph.read(
        fetch_all,
        "MATCH (o:Organization {name: $org}) MATCH (e:AuditEvent {org_id: o.id}) "
        "WHERE e.action IN ['artifact_version.ttl', 'artifact_version.expire', 'alias.remove'] "
        "RETURN e.action AS action, e.actor AS actor ORDER BY e.at",
        org=org,
    )
    assert [row["action"] for row in audit] == [
        "artifact_version.ttl",
        "artifact_version.ttl",
        "artifact_version.ttl",
        "alias.remove",
        "artifact_version.expire",
    ]
    assert audit[-1]["actor"] == "system:ttl"


def _node(global_id: str) -> str:
    from api.artifacts.ids import node_id_of

    return node_id_of(global_id, "ArtifactVersion", field="id")


async def test_team_default_ttl_applies_to_new_versions_and_admins_only_restricts_changes(
    api: ApiClient, unique: Callable[[str], str], graph: Graph, session_user: SessionUser
) -> None:
    org = unique("org")
    await log_files(api, org, "ds", {"f": unique_bytes()})
    policy = await api.data(POLICY, {"o": org, "ttl": 7200, "admins": True})
    assert policy["setOrganizationTtlPolicy"]["policy"] == {
        "organization": org,
        "defaultTtlSeconds": 7200,
        "adminsOnly": True,
    }
    inherited = (await log_files(api, org, "ds", {"f": unique_bytes()}))["version"]
    assert inherited["ttlSeconds"] == 7200 and inherited["expiresAt"] is not None

    member, key = await create_user(graph, unique("member"), with_key=True)
    assert key is not None
    await add_member(graph, org, member.name, "member", actor=session_user.name)
    headers = {"authorization": f"Bearer {key.secret}"}
    as_member = await api.data(SET_TTL, {"v": inherited["id"], "ttl": 60}, headers=headers)
    assert as_member["setArtifactVersionTtl"]["errors"] == [{"code": "FORBIDDEN"}]
    draft_with_ttl = await api.data(
        'mutation($o: String!) { createArtifactDraft(input: {organization: $o, project: "p",'
        ' artifact: "m", type: "model", ttlSeconds: 5}) { draftId errors { code } } }',
        {"o": org},
        headers=headers,
    )
    assert draft_with_ttl["createArtifactDraft"]["errors"] == [{"code": "FORBIDDEN"}]
    member_policy = await api.data(
        POLICY, {"o": org, "ttl": None, "admins": False}, headers=headers
    )
    assert member_policy["setOrganizationTtlPolicy"]["errors"] == [{"code": "FORBIDDEN"}]
    as_admin = await api.data(SET_TTL, {"v": inherited["id"], "ttl": 60})
    assert as_admin["setArtifactVersionTtl"]["version"]["ttlSeconds"] == 60


async def test_the_sweep_is_for_admins(
    api: ApiClient, unique: Callable[[str], str], graph: Graph, session_user: SessionUser
) -> None:
    org = unique("org")
    await log_files(api, org, "ds", {"f": unique_bytes()})
    viewer, key = await create_user(graph, unique("viewer"), with_key=True)
    assert key is not None
    await add_member(graph, org, viewer.name, "member", actor=session_user.name)
    headers = {"authorization": f"Bearer {key.secret}"}
    refused = await api.data(SWEEP, {"o": org}, headers=headers)
    assert refused["sweepArtifacts"]["errors"] == [{"code": "FORBIDDEN"}]


EXPIRE_DRAFT = """
MATCH (d:ArtifactVersion {id: $id})
SET d.draft_expires_at = datetime() - duration('PT1M')
RETURN d.id AS id
"""


async def test_drafts_left_past_their_deadline_are_swept(
    api: ApiClient, unique: Callable[[str], str], graph: Graph, s3_services: Services
) -> None:
    org = unique("org")
    by_mutation = await create_draft(api, org, "ds", {"f": unique_bytes()})
    await graph.write(fetch_one, EXPIRE_DRAFT, id=by_mutation["draftId"])
    swept = await api.data(SWEEP, {"o": org})
    assert swept["sweepArtifacts"]["expiredDrafts"] == 1

    in_background = await create_draft(api, org, "ds", {"f": unique_bytes()})
    await graph.write(fetch_one, EXPIRE_DRAFT, id=in_background["draftId"])
    every_50ms = replace(s3_services.workflow_settings, sweep_interval_seconds=0.05)
    task = asyncio.create_task(run_sweeper(graph, s3_services.blobs, every_50ms))
    try:
        for _ in range(200):
            if await drafts.draft_by_id(graph, in_background["draftId"]) is None:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await drafts.draft_by_id(graph, in_background["draftId"]) is None
    late = await commit(api, in_background["draftId"])
    assert late["errors"][0]["code"] == "NOT_FOUND"
