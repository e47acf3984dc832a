"""A run that logs content identical to an existing version re-produced it: the commit returns
that version and the run's lineage shows it as an output. SDK against a live API on real S3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lineage
from tests.sdk.support import unique_bytes


def _artifact(tmp_path: Path, name: str, content: bytes) -> lineage.Artifact:
    path = tmp_path / f"{name}-{content[:8].hex()}.bin"
    path.write_bytes(content)
    artifact = lineage.Artifact(name, "dataset")
    artifact.add_file(path, name="data.bin")
    return artifact


def _levels(graph: lineage.LineageGraph) -> list[tuple[int, list[str]]]:
    return [(level.distance, sorted(n.name for n in level.nodes)) for level in graph.levels]


def test_two_runs_logging_identical_content_both_show_the_version_as_output(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/prep"
    content = unique_bytes("same")
    with lineage.init(project=project, job_type="clean", name="one", client=sdk) as first:
        made = first.log_artifact(_artifact(tmp_path, "clean", content))
    with lineage.init(project=project, job_type="clean", name="two", client=sdk) as second:
        again = second.log_artifact(_artifact(tmp_path, "clean", content))
        once_more = second.log_artifact(_artifact(tmp_path, "clean", content))  # idempotent
    assert (made.created, again.created, once_more.created) == (True, False, False)
    assert again.id == made.id == once_more.id and again.uploaded_bytes == 0
    for run in (first, second):
        assert _levels(run.lineage(depth=1)) == [(1, ["clean:v0"])]
    up = lineage.upstream(f"{project}/clean:v0", depth=1, client=sdk)
    assert _levels(up) == [(-1, ["one", "two"])]
    # The version's producer stays the run that created it.
    produced_by = lineage.get_artifact(f"{project}/clean:v0", client=sdk).produced_by
    assert produced_by is not None and produced_by == made.produced_by == again.produced_by


def test_a_run_writing_back_what_it_read_unchanged_records_only_the_use(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/prep"
    content = unique_bytes("same")
    with lineage.init(project=project, job_type="clean", name="maker", client=sdk) as maker:
        made = maker.log_artifact(_artifact(tmp_path, "clean", content))
    with lineage.init(project=project, job_type="copy", name="copier", client=sdk) as copier:
        copier.use_artifact("clean:latest")
        # An output edge back to its own input would close a cycle: the log still succeeds.
        again = copier.log_artifact(_artifact(tmp_path, "clean", content))
    assert again.id == made.id and again.created is False
    assert _levels(copier.lineage(depth=1)) == [(-1, ["clean:v0"])]
    assert _levels(maker.lineage(depth=2)) == [(1, ["clean:v0"]), (2, ["copier"])]
