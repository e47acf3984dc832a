"""Editing versions and artifacts, and deleting collections, from the SDK against a live API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import lineage
from tests.sdk.support import unique_bytes


def _log(
    sdk: lineage.Client, tmp_path: Path, project: str, content: bytes, tags: list[str] | None = None
) -> lineage.ArtifactVersion:
    source = tmp_path / f"f-{len(list(tmp_path.iterdir()))}.bin"
    source.write_bytes(content)
    art = lineage.Artifact("resnet", "model", description="first", metadata={"epochs": 3})
    art.add_file(source, name="weights.bin")
    return lineage.log_artifact(art, project=project, client=sdk, tags=tags)


def test_update_version_and_artifact(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    content = unique_bytes("w", 2000)
    version = _log(sdk, tmp_path, f"{org}/vision", content, tags=["raw"])
    digest = version.digest

    same = version.update(metadata={**version.metadata, "accuracy": 0.91})
    assert same is version
    assert (version.description, version.metadata, version.tags) == (
        "first",
        {"epochs": 3, "accuracy": 0.91},
        ["raw"],
    )
    version.update(description="", tags=[])
    fetched = lineage.get_artifact(f"{org}/vision/resnet:v0", client=sdk)
    assert (fetched.description, fetched.metadata, fetched.tags) == (
        "",
        {"epochs": 3, "accuracy": 0.91},
        [],
    )
    assert fetched.digest == digest and fetched.file_count == 1
    with pytest.raises(lineage.LineageError) as refused:
        version.update(metadata={f"k{i}": i for i in range(101)})
    assert (refused.value.code, refused.value.field) == ("METADATA_TOO_LARGE", "metadata")
    with pytest.raises(lineage.LineageError) as bad_tag:
        version.update(tags=["no spaces allowed"])
    assert bad_tag.value.code == "INVALID_NAME"

    info = version.update_artifact(tags=["vision"], description="ResNet checkpoints")
    assert (info.path, info.description, info.tags) == (
        f"{org}/vision/resnet",
        "ResNet checkpoints",
        ["vision"],
    )
    assert version.artifact == info
    again = lineage.update_artifact(f"{org}/vision/resnet", tags=[], client=sdk)
    assert (again.description, again.tags) == ("ResNet checkpoints", [])
    with pytest.raises(lineage.LineageError) as missing:
        lineage.update_artifact(f"{org}/vision/nope", tags=[], client=sdk)
    assert missing.value.code == "NOT_FOUND"

    # logging equal content returns the edited version, unchanged
    relogged = _log(sdk, tmp_path, f"{org}/vision", content)
    assert (relogged.created, relogged.id, relogged.description) == (False, version.id, "")


def test_delete_collection(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    version = _log(sdk, tmp_path, f"{org}/vision", unique_bytes("d", 1000))
    target = f"{org}/registry-model/classifiers"
    lineage.link_artifact(version, target, aliases=["staging"], client=sdk)

    with pytest.raises(lineage.LineageError) as refused:
        lineage.delete_collection(target, client=sdk)
    assert (refused.value.code, refused.value.field) == ("HAS_LINKED_VERSIONS", "unlinkVersions")
    with pytest.raises(lineage.LineageError) as linked:
        version.delete()
    assert linked.value.code == "CONFLICT"

    deleted = lineage.collection(target, client=sdk).delete(unlink_versions=True)
    assert deleted == lineage.registry.DeletedCollection(target, 1, ["latest", "staging"])
    with pytest.raises(lineage.LineageError) as gone:
        lineage.collection(target, client=sdk)
    assert gone.value.code == "NOT_FOUND"
    version.delete()  # unlinked: deletable again
