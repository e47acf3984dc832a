"""The logging pipeline: hash a batch, send it, upload what the server lacks, repeat, commit.

Entries go in path-ordered batches of at most 5,000 entries or 256 MiB of file bytes. While the
uploads of one batch run on the transfer threads, the next batch is hashed on the hashing
threads, so large artifacts hash and upload at the same time. Finished uploads are confirmed to
the server a few hundred at a time while the others run (`confirmArtifactUploads`), so the
commit has (almost) nothing left to check in the store.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage import artifact_queries as q
from lineage.artifact_confirm import Confirmer
from lineage.client import Client
from lineage.hashing import HashCache, manifest_digest
from lineage.transfer import (
    Progress,
    default_workers,
    progress_enabled,
    transfer_client,
    upload_blob,
)

if TYPE_CHECKING:
    from lineage.artifact_version import ArtifactVersion

BATCH_ENTRIES = 5000
FIRST_BATCH_BYTES = 16 * 1024 * 1024
BATCH_BYTES = 256 * 1024 * 1024


def _batches(items: list[dict[str, Any]], hashes: HashCache) -> Iterator[list[dict[str, Any]]]:
    """Path-ordered batches bounded by entries and by bytes still to hash (files the hash cache
    knows cost nothing); the first ones small so that uploading starts early."""
    batch: list[dict[str, Any]] = []
    size = 0
    limit = FIRST_BATCH_BYTES
    for item in items:
        local = item.get("local")
        item_size = 0
        if isinstance(local, Path):
            stat = local.resolve().stat()
            if hashes.lookup(local.resolve(), stat) is None:
                item_size = stat.st_size
        if batch and (len(batch) >= BATCH_ENTRIES or size + item_size > limit):
            yield batch
            batch, size = [], 0
            limit = min(limit * 2, BATCH_BYTES)
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _hashed(
    pool: ThreadPoolExecutor, batch: list[dict[str, Any]], hashes: HashCache
) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    """The batch as entries (files hashed in parallel) and a local file for each digest."""
    jobs = {
        position: pool.submit(hashes.hash, item["local"])
        for position, item in enumerate(batch)
        if "local" in item
    }
    entries: list[dict[str, Any]] = []
    locals_by_digest: dict[str, Path] = {}
    for position, item in enumerate(batch):
        if position in jobs:
            digest, size = jobs[position].result()
            entries.append({"path": item["path"], "digest": digest, "size": size})
            locals_by_digest.setdefault(digest, item["local"])
        else:
            entries.append(item)
    return entries, locals_by_digest


def log_entries(
    client: Client,
    header: dict[str, Any],
    items: list[dict[str, Any]],
    hashes: HashCache,
    *,
    incremental: bool,
    workers: int | None,
    progress: bool | None,
) -> ArtifactVersion:
    """Create the draft from `items` (in manifest order), upload, commit; see the module doc."""
    from lineage.artifact_version import ArtifactVersion

    count = workers or default_workers()
    bar = Progress(None, f"upload {header['artifact']}", progress_enabled(progress))
    draft_id: str | None = None
    sent: list[dict[str, Any]] = []
    uploads: list[Future[int]] = []

    def complete(digest: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        client.mutate(
            q.COMPLETE_MULTIPART,
            {
                "input": {
                    "draftId": draft_id,
                    "digest": digest,
                    "uploadId": upload_id,
                    "parts": parts,
                }
            },
            "completeMultipartUpload",
        )

    def confirm(digests: list[str]) -> None:
        client.mutate(
            q.CONFIRM_UPLOADS,
            {"input": {"draftId": draft_id, "digests": digests}},
            "confirmArtifactUploads",
        )

    hash_pool = ThreadPoolExecutor(max(2, os.cpu_count() or 2))
    upload_pool = ThreadPoolExecutor(count)
    confirmer = Confirmer(confirm)
    try:
        with transfer_client(count) as http:
            for batch in _batches(items, hashes) if items else iter([[]]):
                entries, locals_by_digest = _hashed(hash_pool, batch, hashes)
                if draft_id is None:
                    payload = client.mutate(
                        q.CREATE_DRAFT,
                        {"input": {**header, "entries": entries}},
                        "createArtifactDraft",
                    )
                    draft_id = str(payload["draftId"])
                else:
                    payload = client.mutate(
                        q.ADD_ENTRIES,
                        {"input": {"draftId": draft_id, "entries": entries}},
                        "addArtifactDraftEntries",
                    )
                for target in payload["uploads"]:
                    path = locals_by_digest[target["digest"]]
                    bar.expect(int(target["size"]))
                    future = upload_pool.submit(upload_blob, http, target, path, bar, complete)
                    uploads.append(future)
                    if target["multipart"] is None:  # multipart ones are checked on completion
                        confirmer.watch(target["digest"], future)
                sent.extend(entries)
            uploaded = sum(future.result() for future in uploads)
            confirmer.close()
        expected = None if incremental else manifest_digest(sent)
        result = client.mutate(
            q.COMMIT,
            {"input": {"draftId": draft_id, "expectedDigest": expected}},
            "commitArtifactDraft",
        )
    except BaseException:
        for future in uploads:
            future.cancel()
        confirmer.abandon()
        if draft_id is not None:
            with contextlib.suppress(Exception):
                client.mutate(q.DISCARD, {"input": {"draftId": draft_id}}, "discardArtifactDraft")
        raise
    finally:
        hash_pool.shutdown(wait=False, cancel_futures=True)
        upload_pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    version = ArtifactVersion(result["version"], client)
    version.created = bool(result["created"])
    version.uploaded_bytes = uploaded
    return version
