"""Behaviour 10: the Python SDK against a live API on real S3 (and on the local store)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import lineage
from lineage.hashing import sha256_file
from storage.multipart import MiB
from tests.conftest import LiveServer
from tests.sdk.support import unique_bytes


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def fetched_inode(cache: Path, source: Path) -> int:
    digest, _ = sha256_file(source)
    return (cache / "blobs" / digest[:2] / digest[2:4] / digest).stat().st_ino


def test_log_fetch_by_alias_and_download_exactly_the_logged_bytes(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    files = {
        "a.txt": unique_bytes("a"),
        "sub/b.bin": unique_bytes("b", 5000),
        "sub/c/d": unique_bytes("d"),
    }
    src = _tree(tmp_path / "src", files)
    extra = tmp_path / "readme.md"
    extra.write_bytes(unique_bytes("readme"))
    art = lineage.Artifact("images", "dataset", description="first cut", metadata={"rows": 3})
    art.add_dir(src, prefix="data")
    art.add_file(extra, name="README.md")
    logged = lineage.log_artifact(art, project=f"{org}/vision", aliases=["staging"], client=sdk)
    assert (logged.created, logged.index, logged.file_count) == (True, 0, 4)
    assert logged.uploaded_bytes == sum(len(d) for d in files.values()) + extra.stat().st_size
    assert logged.aliases == ["latest", "staging"] and logged.metadata == {"rows": 3}

    fetched = lineage.get_artifact(f"{org}/vision/images:staging", client=sdk)
    assert fetched.id == logged.id and fetched.digest == logged.digest
    assert [f.path for f in fetched.files()] == [
        "README.md",
        "data/a.txt",
        "data/sub/b.bin",
        "data/sub/c/d",
    ]
    root = fetched.download(tmp_path / "out")
    expected = {f"data/{k}": v for k, v in files.items()} | {"README.md": extra.read_bytes()}
    assert _read_tree(root) == expected
    cached = list((sdk_env / "blobs").glob("*/*/*"))
    assert len(cached) == 4 and all(p.stat().st_mode & 0o222 == 0 for p in cached)
    # a file of its own, never a link into the cache (editing it must not change the cache)
    assert (root / "README.md").stat().st_ino != fetched_inode(sdk_env, extra)
    assert (root / "README.md").stat().st_mode & 0o200

    again = fetched.download(tmp_path / "again", copy=True)
    assert _read_tree(again) == expected
    assert (again / "README.md").stat().st_mode & 0o200
    with pytest.raises(lineage.LineageError) as missing:
        lineage.get_artifact(f"{org}/vision/images:nope", client=sdk)
    assert missing.value.code == "NOT_FOUND"


def test_relogging_unchanged_files_uploads_nothing_and_skips_hashing_by_size_and_mtime(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    src = _tree(tmp_path / "src", {"w.bin": unique_bytes("w", 2000)})
    art = lineage.Artifact("model", "model")
    art.add_dir(src)
    first = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    second = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert (second.created, second.uploaded_bytes, second.id) == (False, 0, first.id)

    # Same size and mtime: the hash cache answers without reading, so this looks unchanged.
    path = src / "w.bin"
    stat = path.stat()
    path.write_bytes(unique_bytes("x", 2000))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if path.stat().st_ino == stat.st_ino:
        assert lineage.log_artifact(art, project=f"{org}/p", client=sdk).id == first.id
    # A real change (new mtime) is hashed and becomes v1.
    path.write_bytes(unique_bytes("y", 2001))
    third = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert (third.created, third.index, third.uploaded_bytes) == (True, 1, 2001)


def test_finished_uploads_are_confirmed_while_others_run(
    sdk: lineage.Client,
    unique: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lineage import artifact_confirm, artifact_upload

    # One entry per batch and one digest per confirmation: three of each for three files.
    monkeypatch.setattr(artifact_upload, "BATCH_ENTRIES", 1)
    monkeypatch.setattr(artifact_confirm, "BATCH", 1)
    requests: list[bytes] = []
    sdk.http.event_hooks["request"].append(lambda request: requests.append(request.content))
    org = unique("org")
    src = _tree(tmp_path / "src", {f"f{i}": unique_bytes(str(i)) for i in range(3)})
    art = lineage.Artifact("confirmed", "dataset")
    art.add_dir(src)
    version = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert version.created and version.uploaded_bytes == sum(
        p.stat().st_size for p in src.iterdir()
    )
    assert sum(b"confirmArtifactUploads" in body for body in requests) == 3
    assert _read_tree(version.download(tmp_path / "out")) == _read_tree(src)


def test_an_incremental_draft_uploads_only_what_changed(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    src = _tree(tmp_path / "src", {f"f{i}": unique_bytes(str(i), 3000) for i in range(5)})
    art = lineage.Artifact("ckpt", "model")
    art.add_dir(src)
    v0 = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    new = tmp_path / "new.bin"
    new.write_bytes(unique_bytes("new", 1234))
    draft = v0.new_draft()
    draft.add_file(new, name="f2")
    draft.remove("f4")
    v1 = lineage.log_artifact(draft, project=f"{org}/p", client=sdk)
    assert (v1.index, v1.uploaded_bytes, v1.file_count) == (1, 1234, 4)
    root = v1.download(tmp_path / "v1")
    assert sorted(_read_tree(root)) == ["f0", "f1", "f2", "f3"]
    assert (root / "f2").read_bytes() == new.read_bytes()


def test_large_files_use_multipart_and_a_corrupted_blob_is_refused_on_download(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path, s3_live: object
) -> None:
    org = unique("org")
    big = tmp_path / "big.bin"
    big.write_bytes(unique_bytes("big", 11 * MiB + 3))
    art = lineage.Artifact("weights", "model")
    art.add_file(big)
    version = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert version.uploaded_bytes == big.stat().st_size
    root = version.download(tmp_path / "out")
    assert sha256_file(root / "big.bin") == sha256_file(big)

    [file] = list(version.files())
    assert file.url is not None
    # A blob whose stored bytes do not match its digest never reaches the destination.
    from lineage.cache import BlobCache
    from lineage.transfer import Progress, download_blob, transfer_client

    wrong_digest = "0" * 64
    with transfer_client(2) as http, pytest.raises(lineage.LineageError) as refused:
        download_blob(
            http,
            file.url,
            wrong_digest,
            file.size,
            BlobCache(tmp_path / "c2"),
            Progress(None, "x", False),
        )
    assert refused.value.code == "DIGEST_MISMATCH"
    assert not list((tmp_path / "c2" / "blobs").glob("*/*/0*"))


def test_many_versions_download_with_one_file_listing_request(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    versions = []
    for i in range(30):
        art = lineage.Artifact(f"small-{i}", "dataset")
        path = tmp_path / f"f{i}"
        path.write_bytes(unique_bytes(str(i)))
        art.add_file(path, name="data.bin")
        versions.append(lineage.log_artifact(art, project=f"{org}/p", client=sdk))
    requests: list[httpx.Request] = []
    sdk.http.event_hooks["request"].append(requests.append)
    folders = lineage.download_artifacts(versions, tmp_path / "all", client=sdk)
    assert len(requests) == 1
    for i, version in enumerate(versions):
        assert (folders[version.id] / "data.bin").read_bytes() == (tmp_path / f"f{i}").read_bytes()


def test_the_sdk_works_with_the_local_store_through_the_apis_signed_urls(
    live_local_server: LiveServer, unique: Callable[[str], str], tmp_path: Path, sdk_env: Path
) -> None:
    org = unique("org")
    with lineage.Client(live_local_server.url, api_key=live_local_server.api_key) as client:
        src = _tree(tmp_path / "src", {"x": unique_bytes("x", 7 * MiB), "y": unique_bytes("y")})
        art = lineage.Artifact("local", "dataset")
        art.add_dir(src)
        version = lineage.log_artifact(art, project=f"{org}/p", client=client)
        assert version.uploaded_bytes == 7 * MiB + len((src / "y").read_bytes())
        root = lineage.get_artifact(f"{org}/p/local:v0", client=client).download(tmp_path / "out")
        assert _read_tree(root) == _read_tree(src)


def test_version_handles_manage_aliases_ttl_and_deletion(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    path = tmp_path / "f"
    path.write_bytes(unique_bytes())
    art = lineage.Artifact("handle", "dataset")
    art.add_file(path)
    version = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    version.set_alias("prod")
    assert version.aliases == ["latest", "prod"]
    assert lineage.get_artifact(f"{org}/p/handle:prod", client=sdk).id == version.id
    version.set_ttl(3600)
    assert version.ttl_seconds == 3600 and version.expires_at is not None
    version.remove_alias("prod")
    assert version.refresh().aliases == ["latest"]
    version.delete()
    with pytest.raises(lineage.LineageError) as gone:
        version.refresh()
    assert gone.value.code == "NOT_FOUND"
    # the handle's files of a deleted version: a typed error, never a TypeError
    for use in (
        lambda: list(version.files()),
        lambda: version.download(tmp_path / "d"),
        version.verify,
    ):
        with pytest.raises(lineage.LineageError) as missing:
            use()
        assert missing.value.code == "NOT_FOUND"


def test_download_over_what_is_in_the_way_is_a_typed_error(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    """A walk-through got an IsADirectoryError traceback; files in the way are replaced."""
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(unique_bytes())
    (source / "sub" / "b.txt").write_bytes(unique_bytes())
    art = lineage.Artifact("inway", "dataset")
    art.add_dir(source)
    version = lineage.log_artifact(art, project=f"{unique('org')}/p", client=sdk)
    for blocker, make in (("a.txt", Path.mkdir), ("sub", Path.touch)):
        dest = tmp_path / f"dest-{blocker}"
        dest.mkdir()
        make(dest / blocker)
        with pytest.raises(lineage.LineageError) as refused:
            version.download(dest)
        assert refused.value.code == "INVALID_PATH" and blocker in str(refused.value)
    replaced = tmp_path / "dest-replace"
    replaced.mkdir()
    (replaced / "a.txt").write_bytes(b"old")
    version.download(replaced)
    assert (replaced / "a.txt").read_bytes() == (source / "a.txt").read_bytes()
