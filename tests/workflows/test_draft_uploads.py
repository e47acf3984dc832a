"""A draft's uploads live in its own staging area until claimed: discarding or expiring the draft
drops them, and claiming them makes them the blob. Real Neo4j, real S3, uploads over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from graph.artifacts import drafts, ttl
from graph.artifacts.manifests import make_entry, sorted_batch
from graph.core.driver import Graph
from graph.core.values import now
from storage.s3 import S3BlobStore
from tests.sdk.support import sha, unique_bytes
from tests.workflows.test_workflows import SETTINGS, _spec
from workflows import uploads
from workflows.uploads import BlobTarget
from workflows.verification import confirm_uploads


async def _staged(
    graph: Graph, store: S3BlobStore, org: str, data: bytes
) -> tuple[str, BlobTarget]:
    lines = sorted_batch([make_entry("f.bin", sha(data), len(data))])
    draft_id, [target] = await uploads.start_draft(graph, store, SETTINGS, _spec(org, "ds"), lines)
    assert target.target.url is not None
    async with httpx.AsyncClient() as http:
        response = await http.put(target.target.url, content=data, headers=target.target.headers)
    assert response.status_code == 200, response.text
    return draft_id, target


def _staged_size(store: S3BlobStore, draft_id: str, digest: str) -> int | None:
    head = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.key_for(digest, draft_id))
    return None if head.get("KeyCount", 0) == 0 else int(head["Contents"][0]["Size"])


async def test_discarding_a_draft_drops_what_it_uploaded(
    graph: Graph, s3_store: S3BlobStore, unique: Callable[[str], str]
) -> None:
    data = unique_bytes("discarded")
    draft_id, target = await _staged(graph, s3_store, unique("org"), data)
    assert _staged_size(s3_store, draft_id, target.digest) == len(data)
    assert await uploads.discard_draft(graph, s3_store, draft_id)
    assert _staged_size(s3_store, draft_id, target.digest) is None
    assert not await s3_store.exists(target.digest)


async def test_expiring_a_draft_drops_what_it_uploaded(
    graph: Graph, s3_store: S3BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = unique_bytes("expired")
    draft_id, target = await _staged(graph, s3_store, org, data)
    expired = await ttl.expire_drafts(
        graph,
        now() + drafts.DRAFT_TTL + timedelta(minutes=1),
        org=org,
        discard=lambda draft: uploads.discard_draft(graph, s3_store, draft),
    )
    assert expired == 1
    assert _staged_size(s3_store, draft_id, target.digest) is None
    assert await drafts.draft_by_id(graph, draft_id) is None


async def test_confirming_claims_the_upload_once(
    graph: Graph, s3_store: S3BlobStore, unique: Callable[[str], str]
) -> None:
    data = unique_bytes("claimed")
    draft_id, target = await _staged(graph, s3_store, unique("org"), data)
    assert await confirm_uploads(graph, s3_store, draft_id, [target.digest]) == (1, [])
    assert _staged_size(s3_store, draft_id, target.digest) is None
    assert await s3_store.size(target.digest) == len(data)
    # Recorded: confirming again checks nothing and still counts it.
    assert await confirm_uploads(graph, s3_store, draft_id, [target.digest]) == (1, [])
