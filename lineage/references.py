"""References: manifest entries that point at data where it already lives.

Listing happens here, in the client, with the client's own credentials (boto3's usual chain and
`AWS_ENDPOINT_URL[_S3]` for S3-compatible servers): the server never needs access to the user's
buckets or disks, and only receives the resulting entries. With `checksum=True` every object under
the location is recorded (S3: key, ETag, size and, on versioned buckets, version id; files: sha256
and size; http(s): ETag and size), up to `max_objects`; with `checksum=False` only the location.
Downloading a reference version fetches from the source, pinned to the recorded version id and
checked against the recorded digest, ETag or size.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lineage.errors import LineageError
from lineage.hashing import HashCache

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_MAX_OBJECTS = 10_000_000
_CHUNK = 1024 * 1024


def s3_client() -> S3Client:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"} if endpoint else {},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


def _too_many(uri: str, limit: int) -> LineageError:
    return LineageError(
        "TOO_MANY_OBJECTS",
        f"{uri} holds more than max_objects={limit} objects; raise max_objects or reference a "
        "narrower prefix",
    )


def _joined(name: str | None, relative: str) -> str:
    return f"{name}/{relative}" if name else relative


def _default_name(uri: str) -> str:
    parts = urlsplit(uri)
    return posixpath.basename(unquote(parts.path).rstrip("/")) or parts.netloc or "reference"


def reference_entries(
    uri: str,
    name: str | None,
    *,
    checksum: bool,
    max_objects: int | None,
    hashes: HashCache,
) -> list[dict[str, Any]]:
    """The manifest entries for a reference (paths relative to the artifact root)."""
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    scheme = urlsplit(uri).scheme
    if scheme not in {"s3", "file", "http", "https"}:
        raise LineageError("INVALID_INPUT", f"unsupported reference scheme in {uri!r}")
    if not checksum:
        return [{"path": name or _default_name(uri), "ref": uri}]
    if scheme == "s3":
        entries = list(_s3_entries(uri, name, limit))
    elif scheme == "file":
        entries = list(_file_entries(uri, name, limit, hashes))
    else:
        entries = [_http_entry(uri, name)]
    if not entries:
        raise LineageError("NOT_FOUND", f"nothing found at {uri}")
    return entries


def _split_s3(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    return parts.netloc, unquote(parts.path).lstrip("/")


def _s3_entries(uri: str, name: str | None, limit: int) -> Iterator[dict[str, Any]]:
    bucket, key = _split_s3(uri)
    client = s3_client()
    try:
        if key and not key.endswith("/"):
            try:
                head = client.head_object(Bucket=bucket, Key=key)
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
            else:
                yield {
                    "path": name or posixpath.basename(key),
                    "ref": f"s3://{bucket}/{key}",
                    "etag": head["ETag"],
                    "size": head["ContentLength"],
                    "versionId": head.get("VersionId"),
                }
                return
        prefix = key if not key or key.endswith("/") else key + "/"
        for count, item in enumerate(_s3_listing(client, bucket, prefix), start=1):
            if count > limit:
                raise _too_many(uri, limit)
            yield {
                "path": _joined(name, item["Key"][len(prefix) :]),
                "ref": f"s3://{bucket}/{item['Key']}",
                "etag": item["ETag"],
                "size": item["Size"],
                "versionId": item.get("VersionId"),
            }
    except (ClientError, BotoCoreError) as error:
        raise LineageError("REFERENCE_UNREACHABLE", f"cannot list {uri}: {error}") from error


def _s3_listing(client: S3Client, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Current objects under the prefix (with version ids when the bucket is versioned)."""
    try:
        versioned = client.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"
    except ClientError:
        versioned = False
    if versioned:
        versions = client.get_paginator("list_object_versions")
        for version_page in versions.paginate(Bucket=bucket, Prefix=prefix):
            for version in version_page.get("Versions", []):
                if version.get("IsLatest") and not version["Key"].endswith("/"):
                    yield dict(version)
        return
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].endswith("/"):
                yield dict(item)


def _local_path(uri: str) -> Path:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise LineageError("INVALID_INPUT", f"file references must be local: {uri!r}")
    return Path(unquote(parts.path))


def _file_entries(
    uri: str, name: str | None, limit: int, hashes: HashCache
) -> Iterator[dict[str, Any]]:
    root = _local_path(uri)
    if root.is_file():
        digest, size = hashes.hash(root)
        yield {
            "path": name or root.name,
            "ref": root.resolve().as_uri(),
            "digest": digest,
            "size": size,
        }
        return
    if not root.is_dir():
        raise LineageError("REFERENCE_UNREACHABLE", f"no such file or directory: {root}")
    files = (p for p in sorted(root.rglob("*")) if p.is_file())
    for count, path in enumerate(files, start=1):
        if count > limit:
            raise _too_many(uri, limit)
        digest, size = hashes.hash(path)
        yield {
            "path": _joined(name, path.relative_to(root).as_posix()),
            "ref": path.resolve().as_uri(),
            "digest": digest,
            "size": size,
        }


def _http_entry(uri: str, name: str | None) -> dict[str, Any]:
    try:
        response = httpx.head(uri, follow_redirects=True, timeout=30)
    except httpx.HTTPError as error:
        raise LineageError("REFERENCE_UNREACHABLE", f"cannot reach {uri}: {error}") from error
    if response.status_code >= 400:
        raise LineageError("REFERENCE_UNREACHABLE", f"{uri} answered HTTP {response.status_code}")
    length = response.headers.get("content-length")
    return {
        "path": name or _default_name(uri),
        "ref": uri,
        "etag": response.headers.get("etag"),
        "size": int(length) if length and length.isdigit() else None,
    }


def fetch_reference(entry: dict[str, Any], dest: Path) -> None:
    """Download what the entry references to `dest`, checked against what was recorded.

    DIGEST_MISMATCH (and nothing at `dest`) if the source changed since it was logged.
    """
    ref = str(entry["ref"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.ref.part")
    scheme = urlsplit(ref).scheme
    try:
        if scheme == "s3":
            if entry.get("size") is None and entry.get("etag") is None:
                _fetch_s3_location(ref, dest)
                return
            md5, sha256, size = _fetch_s3_object(ref, entry.get("versionId"), temp)
        elif scheme == "file":
            source = _local_path(ref)
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
                return
            md5, sha256, size = _copy_hashing(source.open("rb"), temp)
        else:
            md5, sha256, size = _fetch_http(ref, entry.get("etag"), temp)
        _check(entry, md5, sha256, size)
        os.replace(temp, dest)
    finally:
        if temp.exists():
            temp.unlink()


def _check(entry: dict[str, Any], md5: str, sha256: str, size: int) -> None:
    ref = entry["ref"]
    if entry.get("digest") and entry["digest"] != sha256:
        raise LineageError("DIGEST_MISMATCH", f"{ref} changed since it was logged (sha256)")
    if entry.get("size") is not None and entry["size"] != size:
        raise LineageError("DIGEST_MISMATCH", f"{ref} changed since it was logged (size)")
    etag = (entry.get("etag") or "").strip('"')
    if urlsplit(ref).scheme == "s3" and etag and "-" not in etag and etag != md5:
        raise LineageError("DIGEST_MISMATCH", f"{ref} changed since it was logged (ETag)")


def _copy_hashing(source: Any, temp: Path) -> tuple[str, str, int]:
    md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
    with source, temp.open("wb") as out:
        while chunk := source.read(_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return md5.hexdigest(), sha256.hexdigest(), size


def _fetch_s3_object(ref: str, version_id: str | None, temp: Path) -> tuple[str, str, int]:
    bucket, key = _split_s3(ref)
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    try:
        body = s3_client().get_object(**params)["Body"]
    except (ClientError, BotoCoreError) as error:
        raise LineageError("REFERENCE_UNREACHABLE", f"cannot fetch {ref}: {error}") from error
    return _copy_hashing(body, temp)


def confined(dest: Path, relative: str) -> Path:
    """`dest / relative`, refused (`INVALID_PATH`) unless it stays strictly inside `dest`: every
    file a download writes (a manifest path, or the key of a listed S3 prefix, where
    `pfx/../../x` is legal on AWS) goes through here."""
    root = dest.resolve()
    target = (root / relative).resolve()
    if target == root or not target.is_relative_to(root):
        raise LineageError("INVALID_PATH", f"refusing to write outside {dest}: {relative!r}")
    return target


def _fetch_s3_location(ref: str, dest: Path) -> None:
    """A location recorded without checksums: fetch whatever is there now."""
    bucket, key = _split_s3(ref)
    client = s3_client()
    entries = list(_s3_entries(ref, None, DEFAULT_MAX_OBJECTS))
    if len(entries) == 1 and entries[0]["ref"] == f"s3://{bucket}/{key}":
        _copy_hashing(client.get_object(Bucket=bucket, Key=key)["Body"], dest)
        return
    for entry in entries:
        target = confined(dest, entry["path"])
        target.parent.mkdir(parents=True, exist_ok=True)
        _, inner = _split_s3(entry["ref"])
        _copy_hashing(client.get_object(Bucket=bucket, Key=inner)["Body"], target)


def _fetch_http(ref: str, etag: str | None, temp: Path) -> tuple[str, str, int]:
    try:
        with httpx.stream("GET", ref, follow_redirects=True, timeout=60) as response:
            if response.status_code >= 400:
                raise LineageError(
                    "REFERENCE_UNREACHABLE", f"{ref} answered HTTP {response.status_code}"
                )
            served = response.headers.get("etag")
            if etag and served and served != etag:
                raise LineageError("DIGEST_MISMATCH", f"{ref} changed since it was logged (ETag)")
            return _copy_hashing(_Chunks(response.iter_bytes(_CHUNK)), temp)
    except httpx.HTTPError as error:
        raise LineageError("REFERENCE_UNREACHABLE", f"cannot fetch {ref}: {error}") from error


class _Chunks:
    """An iterator of chunks as a file-like `read()` (for `_copy_hashing`)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, _: int) -> bytes:
        return next(self._chunks, b"")

    def __enter__(self) -> _Chunks:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
