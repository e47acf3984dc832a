"""Uploads advance the progress bar by bytes as they are sent, not once per finished file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lineage
from lineage import artifact_queries as q
from lineage.hashing import sha256_file
from lineage.transfer import CHUNK, Progress, transfer_client, upload_blob
from tests.sdk.support import unique_bytes


class Recorded(Progress):
    """A progress bar that remembers every step it was moved by."""

    def __init__(self) -> None:
        super().__init__(None, "upload", enabled=False)
        self.steps: list[int] = []

    def update(self, count: int) -> None:
        self.steps.append(count)
        super().update(count)


def test_one_large_file_moves_the_bar_chunk_by_chunk(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(unique_bytes("big", 4 * CHUNK + 5))
    digest, size = sha256_file(big)
    org = unique("org")
    draft = sdk.mutate(
        q.CREATE_DRAFT,
        {
            "input": {
                "organization": org,
                "project": "p",
                "artifact": "weights",
                "type": "model",
                "entries": [{"path": "big.bin", "digest": digest, "size": size}],
            }
        },
        "createArtifactDraft",
    )
    (target,) = draft["uploads"]
    assert target["multipart"] is None  # one PUT: the case that showed nothing until the end
    bar = Recorded()
    with transfer_client(2) as http:
        assert upload_blob(http, target, big, bar, lambda *_: None) == size
    assert sum(bar.steps) == size == bar.done
    assert len(bar.steps) >= 5 and max(bar.steps) <= CHUNK
    sdk.mutate(q.DISCARD, {"input": {"draftId": draft["draftId"]}}, "discardArtifactDraft")
