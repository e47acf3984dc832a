"""The download cache never hands out bytes that do not match their sha256, and a downloaded
folder can be checked against its version."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import lineage
from lineage.hashing import sha256_file
from tests.sdk.support import unique_bytes


def _cache_entry(cache: Path, digest: str) -> Path:
    return cache / "blobs" / digest[:2] / digest[2:4] / digest


def _edit_in_place(path: Path, data: bytes) -> None:
    """What a user (or a tool) does to a file it may write: same size, other bytes."""
    os.chmod(path, 0o644)
    with path.open("r+b") as handle:
        handle.write(data)


def _version(
    sdk: lineage.Client, tmp_path: Path, org: str, files: dict[str, bytes]
) -> lineage.ArtifactVersion:
    src = tmp_path / "src"
    for name, data in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    art = lineage.Artifact("images", "dataset")
    art.add_dir(src)
    return lineage.log_artifact(art, project=f"{org}/p", client=sdk)


def test_editing_a_downloaded_file_never_changes_the_next_download(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    original = unique_bytes("weights", 3000)
    version = _version(sdk, tmp_path, unique("org"), {"w.bin": original})
    first = version.download(tmp_path / "first")
    digest, _ = sha256_file(first / "w.bin")
    assert (first / "w.bin").stat().st_ino != _cache_entry(sdk_env, digest).stat().st_ino
    _edit_in_place(first / "w.bin", b"tampered")
    second = version.download(tmp_path / "second")
    assert (second / "w.bin").read_bytes() == original
    assert _cache_entry(sdk_env, digest).read_bytes() == original
    # downloading again into the edited folder restores the file
    version.download(tmp_path / "first")
    assert (first / "w.bin").read_bytes() == original


def test_a_corrupted_cache_entry_is_fetched_again_not_served(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    original = unique_bytes("labels", 5000)
    version = _version(sdk, tmp_path, unique("org"), {"labels.csv": original})
    version.download(tmp_path / "first")
    digest, _ = sha256_file(tmp_path / "first" / "labels.csv")
    entry = _cache_entry(sdk_env, digest)
    _edit_in_place(entry, b"bit rot")  # same size: a size check alone would serve it
    again = version.download(tmp_path / "again")
    assert (again / "labels.csv").read_bytes() == original
    assert sha256_file(entry) == (digest, len(original))


def test_verify_names_the_files_that_no_longer_match(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    files = {
        "a.txt": unique_bytes("a"),
        "sub/b.bin": unique_bytes("b", 2000),
        "sub/c.bin": unique_bytes("c"),
    }
    version = _version(sdk, tmp_path, unique("org"), files)
    root = version.download(tmp_path / "out")
    assert version.verify(root) == []
    _edit_in_place(root / "sub" / "b.bin", b"changed")
    (root / "sub" / "c.bin").unlink()
    (root / "extra.txt").write_text("not part of the version")
    assert version.verify(root) == ["sub/b.bin", "sub/c.bin"]
    with pytest.raises(lineage.LineageError) as mismatch:
        version.verify(root, strict=True)
    assert mismatch.value.code == "DIGEST_MISMATCH"
    assert "sub/b.bin" in mismatch.value.message and "sub/c.bin" in mismatch.value.message
