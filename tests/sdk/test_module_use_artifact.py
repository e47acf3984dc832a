"""`lineage.use_artifact` at module level records the use on the run in progress, as W&B's does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lineage
from tests.sdk.support import unique_bytes


def _logged(
    sdk: lineage.Client, tmp_path: Path, project: str, name: str
) -> lineage.ArtifactVersion:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(unique_bytes(name))
    artifact = lineage.Artifact(name, "dataset")
    artifact.add_file(path, name="data.bin")
    return lineage.log_artifact(artifact, project, client=sdk)


def _consumers(version: lineage.ArtifactVersion, sdk: lineage.Client) -> list[str]:
    down = lineage.downstream(version, depth=1, client=sdk)
    return [node.name for level in down.levels for node in level.nodes]


def test_module_level_use_artifact_inside_a_run_is_recorded_on_that_run(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/vision"
    images = _logged(sdk, tmp_path, project, "images")
    labels = _logged(sdk, tmp_path, project, "labels")
    with lineage.init(project=project, job_type="train", name="trainer", client=sdk) as run:
        assert lineage.current_run() is run
        used = lineage.use_artifact(f"{project}/images:latest")
        assert used.id == images.id
    assert lineage.current_run() is None
    assert _consumers(images, sdk) == ["trainer"]
    # outside any run it only fetches, as before
    assert lineage.use_artifact(f"{project}/labels:latest", client=sdk).id == labels.id
    assert _consumers(labels, sdk) == []


def test_a_run_started_without_a_block_is_current_until_it_finishes(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/vision"
    images = _logged(sdk, tmp_path, project, "images")
    run = lineage.init(project=project, job_type="eval", name="evaluator", client=sdk)
    try:
        lineage.use_artifact(f"{project}/images:v0")
    finally:
        run.finish()
    assert lineage.current_run() is None
    assert _consumers(images, sdk) == ["evaluator"]
