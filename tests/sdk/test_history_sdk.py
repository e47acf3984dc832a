"""The SDK's `as_of`: a path and a lineage view as they were at a moment."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import lineage
from tests.sdk.support import unique_bytes


def _artifact(tmp_path: Path, name: str) -> lineage.Artifact:
    content = unique_bytes(name)
    path = tmp_path / f"{name}-{content[:8].hex()}.bin"
    path.write_bytes(content)
    artifact = lineage.Artifact(name, "dataset")
    artifact.add_file(path, name="data.bin")
    return artifact


def _moment() -> datetime:
    time.sleep(0.02)
    stamp = datetime.now(UTC)
    time.sleep(0.02)
    return stamp


def test_an_alias_and_a_lineage_view_as_of_a_moment(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    project = f"{unique('org')}/p"
    first = lineage.log_artifact(_artifact(tmp_path, "raw"), project, aliases=["gold"], client=sdk)
    before = _moment()
    second = lineage.log_artifact(_artifact(tmp_path, "raw"), project, client=sdk)
    second.set_alias("gold")
    with lineage.init(project=project, job_type="clean", client=sdk) as run:
        run.use_artifact(second.path)
    after = _moment()

    assert lineage.get_artifact(f"{project}/raw:gold", as_of=before, client=sdk).id == first.id
    assert lineage.get_artifact(f"{project}/raw:gold", as_of=after, client=sdk).id == second.id
    with pytest.raises(lineage.LineageError) as missing:
        lineage.get_artifact(f"{project}/raw:v1", as_of=before, client=sdk)
    assert missing.value.code == "NOT_FOUND"
    with pytest.raises(lineage.LineageError):  # the version did not exist yet
        lineage.downstream(second, as_of=before, client=sdk)
    then = lineage.downstream(second, as_of=after, client=sdk)
    assert [n.name for n in then.levels[0].nodes] == [run.name]
    with pytest.raises(ValueError):
        lineage.get_artifact(f"{project}/raw:gold", as_of=datetime.now(), client=sdk)
