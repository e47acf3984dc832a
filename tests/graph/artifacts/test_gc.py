"""Behaviour 8: garbage collection never loses a blob that a commit reuses while it runs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from graph.artifacts import drafts
from graph.artifacts.commit import CommitResult
from graph.artifacts.delete_version import delete_version
from graph.artifacts.gc import _delete_tx, _mark_tx, collect_garbage
from graph.artifacts.manifests import make_entry
from graph.core.driver import Graph
from graph.core.errors import MissingBlob
from graph.core.tx import fetch_one
from storage.base import BlobStore
from tests.sdk.support import commit_files_in_graph, sha, unique_bytes
from tests.storage.helpers import chunks
from workflows.commit import commit

BLOB = "MATCH (b:Blob {digest: $digest}) RETURN b.stored AS stored, b.gc_candidate AS candidate"


def _spec(org: str, name: str) -> drafts.DraftSpec:
    return drafts.DraftSpec(
        org=org,
        project="p",
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
        actor="tester",
    )


async def _orphan(graph: Graph, store: BlobStore, org: str, data: bytes) -> str:
    """A blob that was committed once and whose only version is now deleted."""
    result = await commit_files_in_graph(graph, store, org, "old", {"f": data})
    await delete_version(graph, result.version.id, actor="tester")
    assert await store.exists(sha(data))
    return sha(data)


async def _reuse(graph: Graph, org: str, name: str, data: bytes) -> tuple[str, bool]:
    """A draft holding the blob; returns the draft id and whether the server asked for it."""
    draft_id, needs = await drafts.create_draft(
        graph, _spec(org, name), [make_entry("f", sha(data), len(data))]
    )
    return draft_id, any(need.digest == sha(data) for need in needs)


async def _commit(graph: Graph, store: BlobStore, draft_id: str) -> CommitResult:
    return await commit(
        graph, store, await drafts.require_draft(graph, draft_id), None, actor="tester"
    )


async def test_an_unused_blob_is_deleted_from_store_and_graph(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    digest = await _orphan(graph, s3_store, org, unique_bytes())
    report = await collect_garbage(graph, s3_store, digests=[digest])
    assert report.deleted == [digest]
    assert not await s3_store.exists(digest)
    assert await graph.read(fetch_one, BLOB, digest=digest) is None


async def test_a_blob_linked_by_a_draft_before_gc_is_kept(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = unique_bytes()
    digest = await _orphan(graph, s3_store, org, data)
    draft_id, asked = await _reuse(graph, org, "new", data)
    assert not asked  # the store holds it, so nothing to upload
    report = await collect_garbage(graph, s3_store, digests=[digest])
    assert report.deleted == []
    assert await graph.read(fetch_one, BLOB, digest=digest) == {"stored": True, "candidate": None}
    result = await _commit(graph, s3_store, draft_id)
    assert result.created and await s3_store.exists(digest)


async def test_after_gc_deleted_a_blob_a_reusing_commit_must_upload_it_or_fails_cleanly(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = unique_bytes()
    digest = await _orphan(graph, s3_store, org, data)
    await collect_garbage(graph, s3_store, digests=[digest])
    draft_id, asked = await _reuse(graph, org, "new", data)
    assert asked
    try:
        await _commit(graph, s3_store, draft_id)
        raise AssertionError("commit without the blob must fail")
    except MissingBlob:
        pass
    await s3_store.put_stream(digest, chunks(data), staging=draft_id)
    result = await _commit(graph, s3_store, draft_id)
    assert result.created
    assert await graph.read(fetch_one, BLOB, digest=digest) == {"stored": True, "candidate": None}


async def test_a_draft_linking_between_mark_and_delete_keeps_the_bytes(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = unique_bytes()
    digest = await _orphan(graph, s3_store, org, data)
    await collect_garbage(graph, s3_store, digests=["0" * 64])  # releases the deleted links only
    assert await graph.write(_mark_tx, [digest]) == [digest]
    draft_id, asked = await _reuse(graph, org, "new", data)
    assert asked  # marked unstored: the client is asked again and the commit will check
    assert await graph.write(_delete_tx, [digest], s3_store) == []
    assert await s3_store.exists(digest)
    # The organisation holds it no more (its links were released): this draft uploads it.
    await s3_store.put_stream(digest, chunks(data), staging=draft_id)
    result = await _commit(graph, s3_store, draft_id)
    assert result.created and await s3_store.exists(digest)


async def test_gc_racing_many_reusing_commits_never_leaves_a_version_without_its_bytes(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    rng = random.Random(7)
    outcomes = {"kept": 0, "refused": 0}
    for round_ in range(12):
        data = unique_bytes(str(round_))
        digest = await _orphan(graph, s3_store, org, data)

        async def gc(digest: str = digest) -> None:
            await asyncio.sleep(rng.random() * 0.02)
            await collect_garbage(graph, s3_store, digests=[digest])

        async def reuse(name: str = f"n{round_}", data: bytes = data) -> bool:
            await asyncio.sleep(rng.random() * 0.02)
            # A lazy client: uploads nothing even when asked, so a lost blob must fail the commit.
            draft_id, _ = await _reuse(graph, org, name, data)
            try:
                await _commit(graph, s3_store, draft_id)
            except MissingBlob:
                return False
            return True

        _, committed = await asyncio.gather(gc(), reuse())
        if committed:
            outcomes["kept"] += 1
            assert await s3_store.exists(digest), f"round {round_}: committed without its blob"
            row = await graph.read(fetch_one, BLOB, digest=digest)
            assert row is not None and row["stored"] is True
        else:
            outcomes["refused"] += 1
    assert sum(outcomes.values()) == 12
