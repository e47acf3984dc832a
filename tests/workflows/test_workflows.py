"""The workflows run on a bare Graph and BlobStore: no app, no GraphQL context, no request.

Each test drives one flow the API offers (draft, upload, commit, list files) with the real Neo4j
and the real S3 server, uploading and downloading over HTTP through the URLs the store signed.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from graph.artifacts import drafts, versions
from graph.artifacts.manifests import make_entry, sorted_batch
from graph.core.driver import Graph
from graph.core.errors import NotFound
from storage.base import BlobStore
from tests.sdk.support import sha, unique_bytes
from workflows import files, uploads
from workflows.commit import commit
from workflows.settings import WorkflowSettings

SETTINGS = WorkflowSettings(signed_url_ttl_seconds=60, sweep_interval_seconds=300)


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


async def test_a_draft_uploads_commits_and_lists_its_files_without_graphql(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    content = {"a.txt": unique_bytes("a"), "b/c.bin": unique_bytes("c", 300)}
    lines = sorted_batch([make_entry(p, sha(d), len(d)) for p, d in content.items()])
    draft_id, targets = await uploads.start_draft(
        graph, s3_store, SETTINGS, _spec(unique("org"), "ds"), lines
    )
    assert sorted(t.digest for t in targets) == sorted(sha(d) for d in content.values())
    by_digest = {sha(d): d for d in content.values()}
    async with httpx.AsyncClient() as http:
        for t in targets:
            assert t.target.url is not None and t.target.multipart is None
            response = await http.request(
                t.target.method, t.target.url, content=by_digest[t.digest], headers=t.target.headers
            )
            assert response.status_code == 200, response.text

        draft = await drafts.require_draft(graph, draft_id)
        result = await commit(graph, s3_store, draft, None, actor="tester")
        assert result.created
        assert (result.version.index, result.version.file_count) == (0, 2)

        [layout] = await versions.manifest_layouts(graph, [result.version.id])
        assert layout is not None
        links = await files.files_page(s3_store, SETTINGS, layout, 0, 10)
        assert [link.entry.path for link in links] == ["a.txt", "b/c.bin"]
        for link in links:
            assert link.url is not None
            downloaded = await http.get(link.url)
            assert downloaded.content == content[link.entry.path]


async def test_a_draft_record_gone_stale_does_not_commit(
    graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> None:
    """The commit takes the caller's draft record without reading it again; the graph still
    refuses a draft discarded since, so passing the record along cannot commit a ghost."""
    data = unique_bytes()
    draft_id, _ = await uploads.start_draft(
        graph, s3_store, SETTINGS, _spec(unique("org"), "ds"), [make_entry("f", sha(data), 64)]
    )
    draft = await drafts.require_draft(graph, draft_id)
    assert await drafts.delete_draft(graph, draft_id)
    with pytest.raises(NotFound):
        await commit(graph, s3_store, draft, None, actor="tester")
