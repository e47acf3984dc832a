"""`lineage.events`: the event log as an iterator, against a live API on real S3."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import lineage
from tests.sdk.support import unique_bytes


def _log(sdk: lineage.Client, tmp_path: Path, project: str, name: str) -> lineage.ArtifactVersion:
    content = unique_bytes(name)
    path = tmp_path / f"{name}-{content[:8].hex()}.bin"
    path.write_bytes(content)
    artifact = lineage.Artifact(name, "dataset")
    artifact.add_file(path, name="data.bin")
    return lineage.log_artifact(artifact, project, client=sdk)


def test_a_run_and_its_outputs_read_back_in_commit_order(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    with lineage.init(project=f"{org}/etl", job_type="extract", client=sdk) as run:
        run.log_artifact(_log_artifact(tmp_path, "raw"))
    got = list(lineage.events(org, after=0, follow=False, client=sdk))
    assert [e.type for e in got] == [
        "RUN_STARTED",
        "VERSION_CREATED",
        "LINEAGE_EDGE_ADDED",
        "ALIAS_SET",
        "RUN_FINISHED",
    ]
    assert [int(e.cursor) for e in got] == [1, 2, 3, 4, 5], "a new organisation's log"
    assert got[2].payload["edge"] == "PRODUCED"
    assert got[2].payload["run"]["id"] == run.id
    assert got[4].payload["state"] == "FINISHED"
    assert got[1].path == f"{org}/etl/raw:v0" and got[1].object_type == "ArtifactVersion"
    only_runs = list(lineage.events(org, after=0, follow=False, types=["RUN_FINISHED"], client=sdk))
    assert [e.id for e in only_runs] == [got[4].id]
    by_artifact = list(lineage.events(org, after=0, follow=False, artifact="raw", client=sdk))
    assert [e.type for e in by_artifact] == ["VERSION_CREATED", "LINEAGE_EDGE_ADDED", "ALIAS_SET"]


def _log_artifact(tmp_path: Path, name: str) -> lineage.Artifact:
    content = unique_bytes(name)
    path = tmp_path / f"{name}-{content[:8].hex()}.bin"
    path.write_bytes(content)
    artifact = lineage.Artifact(name, "dataset")
    artifact.add_file(path, name="data.bin")
    return artifact


def test_following_waits_for_new_events_and_starts_at_the_end(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    project = f"{org}/p"
    _log(sdk, tmp_path, project, "old")  # before the iterator starts: not seen
    received: list[lineage.Event] = []
    stream = lineage.events(org, types=["VERSION_CREATED"], poll_seconds=0.05, client=sdk)

    def follow() -> None:
        for event in stream:
            received.append(event)
            return

    reader = threading.Thread(target=follow)
    reader.start()
    new = _log(sdk, tmp_path, project, "new")
    reader.join(timeout=20)
    assert not reader.is_alive()
    assert [e.path for e in received] == [new.path]
