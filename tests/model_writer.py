"""Writing the data model in tests through the product's own functions, never raw Cypher.

A fixture that wrote versions with its own Cypher once hid an id mismatch a third-party client
hit at once; so every committed version here goes through draft -> blob store -> commit
(`workflows.commit`), exactly as `commitArtifactDraft` does, into a real blob store: a local
store in a temporary folder by default (fast, no S3 round trips), or the one the test passes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from graph.artifacts import drafts
from graph.artifacts.manifests import make_entry, sorted_batch
from graph.artifacts.records import VersionRecord
from graph.core.driver import Graph
from storage.base import BlobStore
from storage.local import LocalBlobStore
from storage.signing import UrlSigner
from workflows.commit import commit

_stores: dict[str, LocalBlobStore] = {}


def scratch_store() -> LocalBlobStore:
    """One local blob store per test process, in a temporary folder."""
    if "store" not in _stores:
        root = Path(tempfile.mkdtemp(prefix="lineage-model-"))
        _stores["store"] = LocalBlobStore(root, UrlSigner(os.urandom(32)), "http://127.0.0.1:9")
    return _stores["store"]


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def draft_spec(
    org: str,
    project: str,
    name: str,
    type: str,
    description: str | None = None,
    aliases: tuple[str, ...] = (),
    run_id: str | None = None,
    actor: str = "tests",
) -> drafts.DraftSpec:
    """What `createArtifactDraft` would pass on for a plain new version."""
    return drafts.DraftSpec(
        org=org,
        project=project,
        name=name,
        type=type,
        artifact_description=None,
        description=description,
        metadata="{}",
        tags=[],
        aliases=list(aliases),
        ttl_seconds=None,
        run_id=run_id,
        base_version_id=None,
        actor=actor,
    )


@dataclass(frozen=True)
class Logged:
    """A committed version and the bytes of its one file."""

    version: VersionRecord
    data: bytes


async def log_version(
    graph: Graph,
    org: str,
    project: str,
    name: str,
    *,
    type: str = "dataset",
    description: str | None = None,
    aliases: tuple[str, ...] = (),
    run_id: str | None = None,
    data: bytes | None = None,
    blobs: BlobStore | None = None,
    actor: str = "tests",
) -> Logged:
    """Commit a new one-file version of `org/project/name` (artifact created on first use)."""
    data = data if data is not None else os.urandom(16)
    digest = hashlib.sha256(data).hexdigest()
    store = blobs if blobs is not None else scratch_store()
    spec = draft_spec(org, project, name, type, description, aliases, run_id, actor)
    draft_id, needs = await drafts.create_draft(
        graph, spec, sorted_batch([make_entry("data.bin", digest, len(data))])
    )
    for need in needs:
        await store.put_stream(need.digest, _once(data), staging=draft_id)
    draft = await drafts.require_draft(graph, draft_id)
    result = await commit(graph, store, draft, None, actor=actor)
    return Logged(result.version, data)


async def start_draft(
    graph: Graph, org: str, project: str, name: str, type: str = "dataset"
) -> str:
    """A PENDING version (a draft that is never committed); returns its id."""
    data = os.urandom(16)
    spec = draft_spec(org, project, name, type)
    draft_id, _ = await drafts.create_draft(
        graph,
        spec,
        sorted_batch([make_entry("data.bin", hashlib.sha256(data).hexdigest(), len(data))]),
    )
    return draft_id
