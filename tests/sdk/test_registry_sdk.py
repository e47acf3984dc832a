"""The registry SDK against a live API on real S3: link, fetch by path, download, list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import lineage
from tests.sdk.support import unique_bytes


def _log(
    sdk: lineage.Client, tmp_path: Path, project: str, name: str, type: str, content: bytes
) -> lineage.ArtifactVersion:
    source = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.bin"
    source.write_bytes(content)
    art = lineage.Artifact(name, type)
    art.add_file(source, name="weights.bin")
    return lineage.log_artifact(art, project=project, client=sdk)


def test_link_fetch_download_and_list(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    project = f"{org}/vision"
    first_bytes, second_bytes = unique_bytes("v0", 3000), unique_bytes("v1", 4000)
    v0 = _log(sdk, tmp_path, project, "resnet", "model", first_bytes)
    v1 = _log(sdk, tmp_path, project, "resnet", "model", second_bytes)
    target = f"{org}/registry-model/classifiers"

    linked = lineage.link_artifact(v0, target, aliases=["staging"], client=sdk)
    assert (linked.created, linked.index, linked.aliases) == (True, 0, ["latest", "staging"])
    assert (linked.path, linked.source_path, linked.type) == (
        f"{target}:v0",
        f"{project}/resnet:v0",
        "model",
    )
    assert linked.source_version_id == v0.id and linked.digest == v0.digest
    again = lineage.link_artifact(f"{project}/resnet:v0", target, client=sdk)
    assert (again.created, again.index) == (False, 0)
    second = lineage.link_artifact(v1.id, f"{org}/wandb-registry-model/classifiers", client=sdk)
    assert (second.index, second.aliases) == (1, ["latest"])

    staged = lineage.registry_version(f"{org}/wandb-registry-model/classifiers:staging", client=sdk)
    root = staged.download(tmp_path / "download")
    assert (root / "weights.bin").read_bytes() == first_bytes
    assert [f.path for f in staged.files()] == ["weights.bin"]
    latest = lineage.registry_version(target, client=sdk)
    assert (latest.index, latest.source_path) == (1, f"{project}/resnet:v1")

    found = list(lineage.collections(org, "model", name_prefix="class", client=sdk))
    assert [(c.name, c.type, c.version_count) for c in found] == [("classifiers", "model", 2)]
    assert [v.version for v in found[0].versions(page_size=1)] == ["v1", "v0"]
    assert found[0].version("staging").index == 0
    assert list(lineage.collections(org, "model", tags_any=["nope"], client=sdk)) == []
    names = [r.name for r in lineage.registries(org, client=sdk)]
    assert names == ["dataset", "model"]

    latest.set_alias("production")
    assert lineage.registry_version(f"{target}:production", client=sdk).index == 1
    latest.unlink()
    back = lineage.registry_version(target, client=sdk)
    assert (back.index, back.aliases) == (0, ["latest", "staging"])


def test_refusals_carry_the_server_codes(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    data = _log(sdk, tmp_path, f"{org}/p", "images", "dataset", unique_bytes("d"))
    with pytest.raises(lineage.LineageError) as refused:
        lineage.link_artifact(data, f"{org}/registry-model/c", client=sdk)
    assert refused.value.code == "TYPE_NOT_ACCEPTED"
    with pytest.raises(lineage.LineageError) as missing:
        lineage.link_artifact(data, f"{org}/registry-nowhere/c", client=sdk)
    assert missing.value.code == "NOT_FOUND" and "nowhere" in missing.value.message
    with pytest.raises(lineage.LineageError) as absent:
        lineage.registry_version(f"{org}/registry-dataset/none:v0", client=sdk)
    assert absent.value.code == "NOT_FOUND"
    with pytest.raises(lineage.LineageError) as bad:
        lineage.registry_version(f"{org}/dataset/none", client=sdk)
    assert bad.value.code == "INVALID_PATH"
    with pytest.raises(lineage.LineageError) as no_registry:
        list(lineage.collections(org, "nowhere", client=sdk))
    assert no_registry.value.code == "NOT_FOUND"

    evals = lineage.create_registry(org, "evals", accepted_types=["dataset"], client=sdk)
    assert (evals.accepted_types, evals.is_core) == (["dataset"], False)
    linked = lineage.link_artifact(data, f"{org}/registry-evals/golden", client=sdk)
    assert [c.name for c in evals.collections()] == ["golden"]
    assert linked.collection_path == f"{org}/registry-evals/golden"
