"""Behaviour 6 through the SDK: s3://, file:// and http(s):// references on real services."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lineage
from services.s3_server import S3Endpoint
from tests.s3_fixtures import s3_client
from tests.sdk.live import S3LiveServer
from tests.sdk.support import unique_bytes


@pytest.fixture
def source_bucket(s3_server: S3Endpoint) -> Iterator[str]:
    """A versioned bucket holding the data artifacts refer to (the user's own bucket)."""
    client = s3_client(s3_server)
    bucket = f"refs-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield bucket
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            client.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    client.delete_bucket(Bucket=bucket)
    client.close()


def test_s3_references_record_objects_and_a_version_changes_only_with_the_content(
    sdk: lineage.Client,
    unique: Callable[[str], str],
    tmp_path: Path,
    s3_server: S3Endpoint,
    source_bucket: str,
) -> None:
    org = unique("org")
    client = s3_client(s3_server)
    originals = {f"raw/{name}": unique_bytes(name) for name in ("a.csv", "b.csv", "sub/c.csv")}
    for key, data in originals.items():
        client.put_object(Bucket=source_bucket, Key=key, Body=data)
    art = lineage.Artifact("raw", "dataset")
    art.add_reference(f"s3://{source_bucket}/raw/", name="raw")
    v0 = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    files = list(v0.files())
    assert [f.path for f in files] == ["raw/a.csv", "raw/b.csv", "raw/sub/c.csv"]
    assert all(f.ref == f"s3://{source_bucket}/{f.path}" and f.etag and f.version_id for f in files)
    assert [f.size for f in files] == [len(originals[f.path]) for f in files]
    assert v0.uploaded_bytes == 0

    assert lineage.log_artifact(art, project=f"{org}/p", client=sdk).id == v0.id
    client.put_object(Bucket=source_bucket, Key="raw/a.csv", Body=b"changed")
    v1 = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert (v1.created, v1.index) == (True, 1)

    # v0 still downloads the bytes it recorded: pinned to their version ids.
    old = v0.download(tmp_path / "v0")
    assert {p: (old / p).read_bytes() for p in originals} == originals
    assert (v1.download(tmp_path / "v1") / "raw/a.csv").read_bytes() == b"changed"
    client.close()


def test_max_objects_and_checksum_false(
    sdk: lineage.Client,
    unique: Callable[[str], str],
    tmp_path: Path,
    s3_server: S3Endpoint,
    source_bucket: str,
) -> None:
    org = unique("org")
    client = s3_client(s3_server)
    for i in range(3):
        client.put_object(Bucket=source_bucket, Key=f"many/{i}", Body=unique_bytes(str(i)))
    art = lineage.Artifact("bounded", "dataset")
    art.add_reference(f"s3://{source_bucket}/many/", max_objects=2)
    with pytest.raises(lineage.LineageError) as error:
        lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    assert error.value.code == "TOO_MANY_OBJECTS"

    loose = lineage.Artifact("loose", "dataset")
    loose.add_reference(f"s3://{source_bucket}/many/", name="many", checksum=False)
    version = lineage.log_artifact(loose, project=f"{org}/p", client=sdk)
    [file] = list(version.files())
    assert (file.path, file.ref, file.etag, file.size, file.digest) == (
        "many",
        f"s3://{source_bucket}/many/",
        None,
        None,
        None,
    )
    client.put_object(Bucket=source_bucket, Key="many/3", Body=b"new")
    assert lineage.log_artifact(loose, project=f"{org}/p", client=sdk).id == version.id
    root = version.download(tmp_path / "loose")
    assert sorted(p.name for p in (root / "many").iterdir()) == ["0", "1", "2", "3"]
    client.close()


def test_file_references_are_hashed_and_a_changed_source_is_refused_on_download(
    sdk: lineage.Client, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    shared = tmp_path / "nfs"
    (shared / "d").mkdir(parents=True)
    (shared / "d" / "x.txt").write_bytes(unique_bytes("x"))
    (shared / "y.txt").write_bytes(unique_bytes("y"))
    art = lineage.Artifact("onprem", "dataset")
    art.add_reference(shared.as_uri())
    version = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    files = list(version.files())
    assert [f.path for f in files] == ["d/x.txt", "y.txt"]
    assert all(f.digest and f.ref and f.ref.startswith("file://") for f in files)
    root = version.download(tmp_path / "out")
    assert (root / "y.txt").read_bytes() == (shared / "y.txt").read_bytes()
    (shared / "y.txt").write_bytes(b"tampered")
    with pytest.raises(lineage.LineageError) as error:
        version.download(tmp_path / "out2")
    assert error.value.code == "DIGEST_MISMATCH"
    assert not (tmp_path / "out2" / "y.txt").exists()


def test_http_references_record_the_size_and_fetch_from_the_source(
    sdk: lineage.Client, s3_live: S3LiveServer, unique: Callable[[str], str], tmp_path: Path
) -> None:
    org = unique("org")
    art = lineage.Artifact("web", "dataset")
    art.add_reference(f"{s3_live.url}/healthz", name="health.json")
    version = lineage.log_artifact(art, project=f"{org}/p", client=sdk)
    [file] = list(version.files())
    assert file.ref == file.url == f"{s3_live.url}/healthz" and file.size == len(b'{"status":"ok"}')
    root = version.download(tmp_path / "web")
    assert (root / "health.json").read_bytes() == b'{"status":"ok"}'


@pytest.mark.parametrize(
    "relative", ["../outside.txt", "a/../../outside.txt", "/etc/passwd", "", ".", "a/.."]
)
def test_a_listed_key_never_writes_outside_the_download_folder(
    tmp_path: Path, relative: str
) -> None:
    """S3 keys may hold `..` (AWS allows `pfx/../../x`; the test gateway refuses to store one),
    and a prefix reference recorded without checksums is downloaded by listing it now."""
    from lineage.references import confined

    with pytest.raises(lineage.LineageError) as refused:
        confined(tmp_path / "dl", relative)
    assert refused.value.code == "INVALID_PATH"
    assert confined(tmp_path / "dl", "a/b/../c.txt") == (tmp_path / "dl" / "a" / "c.txt").resolve()
