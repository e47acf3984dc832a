"""Helpers for artifact tests: log versions through the GraphQL API (in-process or live) or
straight through the graph functions, uploading blobs over real HTTP to real S3."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from graph.artifacts import drafts
from graph.artifacts.commit import CommitResult
from graph.artifacts.manifests import make_entry, sorted_batch
from graph.core.driver import Graph
from storage.base import BlobStore
from tests.conftest import ApiClient
from tests.storage.helpers import chunks
from workflows import commit as workflow_commit

CREATE_DRAFT = """
mutation($input: CreateArtifactDraftInput!) {
  createArtifactDraft(input: $input) {
    draftId
    uploads { digest size method url headers multipart { uploadId partSize partUrls } }
    errors { code message field }
  }
}
"""

ADD_ENTRIES = """
mutation($input: AddArtifactDraftEntriesInput!) {
  addArtifactDraftEntries(input: $input) {
    uploads { digest size method url headers multipart { uploadId partSize partUrls } }
    errors { code message field }
  }
}
"""

COMPLETE_MULTIPART = """
mutation($input: CompleteMultipartUploadInput!) {
  completeMultipartUpload(input: $input) { digest errors { code message field } }
}
"""

VERSION_FIELDS = """
  id index version path digest size fileCount description metadata tags state
  ttlSeconds expiresAt createdBy aliases producedBy artifact { id name type path }
"""

COMMIT = (
    """
mutation($input: CommitArtifactDraftInput!) {
  commitArtifactDraft(input: $input) {
    created
    version {"""
    + VERSION_FIELDS
    + """}
    errors { code message field }
  }
}
"""
)


def unique_bytes(label: str = "", size: int = 64) -> bytes:
    """Content no other test or run shares (the graph's blob index is shared by all runs)."""
    seed = f"{label}:{uuid.uuid4().hex}:".encode()
    return (seed * (size // len(seed) + 1))[:size]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries_of(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    return [{"path": p, "digest": sha(d), "size": len(d)} for p, d in files.items()]


async def upload(http: httpx.AsyncClient, target: dict[str, Any], data: bytes) -> list[int]:
    """PUT one blob to its target; returns the status codes (multipart: one per part)."""
    multipart = target["multipart"]
    if multipart is None:
        response = await http.put(target["url"], content=data, headers=target["headers"])
        assert response.status_code in (200, 201, 412), response.text
        return [response.status_code]
    raise AssertionError("use upload_multipart for multipart targets")


async def upload_all(
    api: ApiClient,
    http: httpx.AsyncClient,
    draft_id: str,
    uploads: list[dict[str, Any]],
    by_digest: Mapping[str, bytes],
) -> None:
    for target in uploads:
        data = by_digest[target["digest"]]
        if target["multipart"] is None:
            await upload(http, target, data)
            continue
        plan = target["multipart"]
        size = plan["partSize"]
        parts = []
        for number, url in enumerate(plan["partUrls"], start=1):
            response = await http.put(url, content=data[(number - 1) * size : number * size])
            assert response.status_code == 200, response.text
            parts.append({"partNumber": number, "etag": response.headers["etag"]})
        done = await api.data(
            COMPLETE_MULTIPART,
            {
                "input": {
                    "draftId": draft_id,
                    "digest": target["digest"],
                    "uploadId": plan["uploadId"],
                    "parts": parts,
                }
            },
        )
        assert done["completeMultipartUpload"]["errors"] == []


async def log_files(
    api: ApiClient,
    org: str,
    name: str,
    files: Mapping[str, bytes],
    *,
    project: str = "p",
    type: str = "dataset",
    skip_upload: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """Create a draft, upload what the server asks for, commit; the commit payload."""
    by_digest = {sha(d): d for d in files.values()}
    draft = await create_draft(api, org, name, files, project=project, type=type, **extra)
    if not skip_upload:
        async with httpx.AsyncClient(timeout=60) as http:
            await upload_all(api, http, draft["draftId"], draft["uploads"], by_digest)
    return await commit(api, draft["draftId"])


async def create_draft(
    api: ApiClient,
    org: str,
    name: str,
    files: Mapping[str, bytes],
    *,
    project: str = "p",
    type: str = "dataset",
    **extra: Any,
) -> dict[str, Any]:
    entries = extra.pop("entries", None) or entries_of(files)
    data = await api.data(
        CREATE_DRAFT,
        {
            "input": {
                "organization": org,
                "project": project,
                "artifact": name,
                "type": type,
                "entries": entries,
                **extra,
            }
        },
    )
    payload: dict[str, Any] = data["createArtifactDraft"]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def commit(api: ApiClient, draft_id: str, **extra: Any) -> dict[str, Any]:
    data = await api.data(COMMIT, {"input": {"draftId": draft_id, **extra}})
    payload: dict[str, Any] = data["commitArtifactDraft"]
    return payload


async def commit_files_in_graph(
    graph: Graph,
    store: BlobStore,
    org: str,
    name: str,
    files: Mapping[str, bytes],
    *,
    project: str = "p",
    upload: bool = True,
    actor: str = "tester",
) -> CommitResult:
    """The same flow without GraphQL: draft, store.put_stream into its staging area, commit."""
    batch = sorted_batch([make_entry(p, sha(d), len(d)) for p, d in files.items()])
    spec = drafts.DraftSpec(
        org=org,
        project=project,
        name=name,
        type="dataset",
        artifact_description=None,
        description=None,
        metadata="{}",
        tags=[],
        aliases=[],
        ttl_seconds=None,
        run_id=None,
        base_version_id=None,
        actor=actor,
    )
    draft_id, needs = await drafts.create_draft(graph, spec, batch)
    if upload:
        by_digest = {sha(d): d for d in files.values()}
        for need in needs:
            await store.put_stream(need.digest, chunks(by_digest[need.digest]), staging=draft_id)
    draft = await drafts.require_draft(graph, draft_id)
    return await workflow_commit.commit(graph, store, draft, None, actor=actor)
