"""`run.use_artifact` with a registry path, as W&B users write it: the run consumed the linked
source version. SDK against a live API on real S3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import lineage
from tests.sdk.support import unique_bytes


def _log(
    sdk: lineage.Client, tmp_path: Path, project: str, content: bytes
) -> lineage.ArtifactVersion:
    source = tmp_path / f"weights-{content[:8].hex()}.bin"
    source.write_bytes(content)
    artifact = lineage.Artifact("resnet", "model")
    artifact.add_file(source, name="weights.bin")
    return lineage.log_artifact(artifact, project=project, client=sdk)


def test_a_run_uses_a_registry_version_by_its_wandb_path(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    v0 = _log(sdk, tmp_path, f"{org}/train", unique_bytes("v0"))
    v1 = _log(sdk, tmp_path, f"{org}/train", unique_bytes("v1"))
    lineage.link_artifact(v0, f"{org}/registry-model/classifiers", aliases=["prod"], client=sdk)
    lineage.link_artifact(v1, f"{org}/registry-model/classifiers", client=sdk)
    with lineage.init(project=f"{org}/eval", job_type="eval", client=sdk) as run:
        used = run.use_artifact(f"{org}/wandb-registry-model/classifiers:prod")
        latest = run.use_artifact(f"{org}/registry-model/classifiers")
        with pytest.raises(lineage.LineageError) as missing:
            run.use_artifact(f"{org}/wandb-registry-model/classifiers:nope")
    assert (used.id, latest.id) == (v0.id, v1.id)
    assert missing.value.code == "NOT_FOUND"
    inputs = run.lineage(direction="UPSTREAM", depth=1)
    assert [(lvl.distance, sorted(n.name for n in lvl.nodes)) for lvl in inputs.levels] == [
        (-1, ["resnet:v0", "resnet:v1"])
    ]
