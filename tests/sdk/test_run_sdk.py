"""Runs and lineage from the Python SDK, against a live API on real S3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import lineage
from tests.sdk.support import unique_bytes


def _artifact(tmp_path: Path, name: str, type: str, content: bytes) -> lineage.Artifact:
    path = tmp_path / f"{name}-{content[:8].hex()}.bin"
    path.write_bytes(content)
    artifact = lineage.Artifact(name, type)
    artifact.add_file(path, name="data.bin")
    return artifact


def test_a_run_records_what_it_used_and_logged_and_ends_itself(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/vision"
    images = lineage.log_artifact(
        _artifact(tmp_path, "images", "dataset", unique_bytes("images")), project, client=sdk
    )
    with lineage.init(
        project=project, job_type="train", name="first", config={"lr": 0.1}, client=sdk
    ) as run:
        used = run.use_artifact("images:latest")
        assert used.id == images.id
        run.log({"accuracy": 0.93})
        model = run.log_artifact(
            _artifact(tmp_path, "resnet", "model", unique_bytes("model")), aliases=["candidate"]
        )
    assert (run.state, run.summary, run.config) == ("FINISHED", {"accuracy": 0.93}, {"lr": 0.1})

    down = lineage.downstream(images, depth=2, client=sdk)
    assert [(lvl.distance, [n.name for n in lvl.nodes]) for lvl in down.levels] == [
        (1, ["first"]),
        (2, ["resnet:v0"]),
    ]
    assert down.seed.name == "images:v0" and not down.truncated
    up = lineage.upstream(f"{project}/resnet:candidate", depth=2, client=sdk)
    assert [(lvl.distance, [n.name for n in lvl.nodes]) for lvl in up.levels] == [
        (-2, ["images:v0"]),
        (-1, ["first"]),
    ]
    around = run.lineage(depth=1)
    assert [(lvl.distance, lvl.nodes[0].name) for lvl in around.levels] == [
        (-1, "images:v0"),
        (1, "resnet:v0"),
    ]
    (path,) = lineage.paths(images, model, client=sdk)
    assert [n.name for n in path] == ["images:v0", "first", "resnet:v0"]
    counted = lineage.impact(images, client=sdk)
    assert (counted.run_count, counted.version_count) == (1, 1)
    assert counted.runs_by_job_type == {"train": 1}

    with (
        pytest.raises(RuntimeError),
        lineage.init(project=project, job_type="eval", client=sdk) as failing,
    ):
        failing.use_artifact(f"{project}/resnet:v0")
        raise RuntimeError("boom")
    assert failing.state == "FAILED"
    with pytest.raises(lineage.LineageError) as cycle:
        lineage.Run.attach(run.id, client=sdk).use_artifact("resnet:v0")
    assert cycle.value.code == "CYCLE"


def test_wide_outputs_come_back_as_a_cluster_whose_members_can_be_paged(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/vision"
    with lineage.init(project=project, job_type="shard", client=sdk) as run:
        for i in range(6):
            run.log_artifact(
                _artifact(tmp_path, "shards", "dataset", unique_bytes(f"shard{i}")),
                aliases=["best"] if i == 2 else None,
            )
    graph = run.lineage("DOWNSTREAM", depth=1)
    (level,) = graph.levels
    (cluster,) = level.clusters
    assert (cluster.label, cluster.count, len(cluster.preview), level.nodes) == ("shards", 6, 3, [])
    assert [n.name for n in cluster.members(page_size=4)] == [
        f"shards:v{i}" for i in range(5, -1, -1)
    ]
    assert [n.name for n in cluster.members(search="best")] == ["shards:v2"]
    extracted = lineage.upstream(next(cluster.members(search="v4")), depth=1, client=sdk)
    assert [n.name for n in extracted.levels[0].nodes] == [run.name]
