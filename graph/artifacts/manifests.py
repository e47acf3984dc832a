"""The artifact manifest format (version 1): what a version holds, canonically encoded.

A manifest is UTF-8 JSON lines: one header line, then one line per entry, sorted by path with `/`
ordering before every other character (so a directory's entries are contiguous and a file `a` is
immediately followed by any `a/...` entry that would clash with it). Each line is the compact JSON
of an object with sorted keys and no null fields; every line ends with `\\n`.

    {"format":"lineage.manifest","version":1}
    {"digest":"<sha256>","path":"data/a.csv","size":120}
    {"etag":"\\"9b2c...\\"","path":"raw","ref":"s3://bucket/raw/","size":42,"version_id":"3"}

The version digest is the sha256 of these bytes, so equal content always has one digest. Entries
are either a blob held by the store (`digest` and `size`) or a reference to an outside location
(`ref`, with whatever of `digest`, `size`, `etag`, `version_id` was recorded).
See docs/artifacts.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from graph.core.errors import InvalidDigest, InvalidInput, InvalidPath, TooManyObjects

FORMAT = "lineage.manifest"
FORMAT_VERSION = 1
HEADER = json.dumps({"format": FORMAT, "version": FORMAT_VERSION}, separators=(",", ":")) + "\n"

MAX_PATH_LENGTH = 1024
MAX_SEGMENT_BYTES = 255
MAX_REF_LENGTH = 4096
MAX_TAG_LENGTH = 1024
MAX_SIZE = 5 * 1024**4
"""Largest single blob (5 TiB, the S3 object limit)."""
MAX_ENTRIES = 10_000_000
"""Most entries one manifest may hold; beyond it `TOO_MANY_OBJECTS`."""
REFERENCE_SCHEMES = frozenset({"s3", "file", "http", "https"})

_DIGEST = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"[A-Za-z]:")
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional marks, embeddings, overrides and isolates: they make a path display as another
(`report\u202etxt.exe` shows as `reportexe.txt`)."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One file of a version: a stored blob, or a reference (`ref`) to an outside location."""

    path: str
    digest: str | None = None
    size: int | None = None
    ref: str | None = None
    etag: str | None = None
    version_id: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.ref is not None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path}
        for name in ("digest", "size", "ref", "etag", "version_id"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True, slots=True)
class Removal:
    """In an incremental draft: drop `path` from the base version."""

    path: str


DraftLine = ManifestEntry | Removal


def sort_key(path: str) -> str:
    """Canonical order: by path, with `/` sorting before every other character."""
    return path.replace("/", "\x00")


def validate_path(path: object, *, field: str = "path") -> str:
    """Return `path` if it is a relative path that stays inside the artifact root.

    Refused (INVALID_PATH): empty, absolute, `\\`, a Windows drive prefix (`C:x`, `c:/x`),
    empty, `.` or `..` segments, control characters including NUL, bidirectional control
    characters (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), over 1024 characters or a segment
    over 255 UTF-8 bytes.
    """
    if not isinstance(path, str) or not path:
        raise InvalidPath("A path must be a non-empty string", field=field)
    shown = path if len(path) <= 200 else path[:200] + "..."
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(f"Path longer than {MAX_PATH_LENGTH} characters: {shown!r}", field=field)
    if _CONTROL.search(path):
        raise InvalidPath(f"Path contains a control character: {shown!r}", field=field)
    if _BIDI.search(path):
        raise InvalidPath(
            f"Path contains a bidirectional control character: {shown!r}", field=field
        )
    if path.startswith("/") or "\\" in path:
        raise InvalidPath(f"Path must be relative and use '/': {shown!r}", field=field)
    if _DRIVE.match(path):
        raise InvalidPath(f"Path must not name a drive: {shown!r}", field=field)
    segments = path.split("/")
    for segment in segments:
        if segment in {"", ".", ".."}:
            raise InvalidPath(f"Path escapes or is not normalised: {shown!r}", field=field)
        if len(segment.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES:
            raise InvalidPath(f"Path segment longer than 255 bytes: {shown!r}", field=field)
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath(f"Path is not valid Unicode: {shown!r}", field=field) from None
    return path


def validate_digest(digest: object, *, field: str = "digest") -> str:
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise InvalidDigest(f"Not a lowercase sha256 hex digest: {digest!r}", field=field)
    return digest


def _validate_size(size: object, *, required: bool) -> int | None:
    if size is None and not required:
        return None
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_SIZE:
        raise InvalidInput(f"size must be an integer between 0 and {MAX_SIZE}", field="size")
    return size


def _validate_text(value: object, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or _CONTROL.search(value):
        raise InvalidInput(f"{name} must be 1-{limit} printable characters", field=name)
    return value


def validate_reference(ref: str) -> str:
    """Return `ref` if it is an `s3://`, `file://` or `http(s)://` URI; INVALID_INPUT otherwise."""
    checked = _validate_text(ref, "ref", MAX_REF_LENGTH)
    assert checked is not None
    parts = urlsplit(checked)
    if parts.scheme not in REFERENCE_SCHEMES:
        raise InvalidInput(
            f"Reference scheme must be one of s3, file, http, https: {ref[:200]!r}", field="ref"
        )
    if parts.scheme != "file" and not parts.netloc:
        raise InvalidInput(f"Reference has no bucket or host: {ref[:200]!r}", field="ref")
    if parts.scheme == "file" and (
        parts.netloc not in ("", "localhost") or not parts.path.startswith("/")
    ):  # `file://../x` or `file:x` name no file: relative to what, on whose machine?
        raise InvalidInput(f"A file reference is file:///absolute/path: {ref[:200]!r}", field="ref")
    return checked


def make_entry(
    path: object,
    digest: object = None,
    size: object = None,
    ref: object = None,
    etag: object = None,
    version_id: object = None,
) -> ManifestEntry:
    """A validated entry. Blob entries need `digest` and `size` and nothing else; references
    need `ref` and may carry a sha256 `digest`, `size`, `etag` and `version_id`."""
    checked_path = validate_path(path)
    if ref is None:
        if etag is not None or version_id is not None:
            raise InvalidInput("etag and versionId are only for references", field="etag")
        return ManifestEntry(
            checked_path, validate_digest(digest), _validate_size(size, required=True)
        )
    if not isinstance(ref, str):
        raise InvalidInput("ref must be a string", field="ref")
    return ManifestEntry(
        checked_path,
        None if digest is None else validate_digest(digest),
        _validate_size(size, required=False),
        validate_reference(ref),
        _validate_text(etag, "etag", MAX_TAG_LENGTH),
        _validate_text(version_id, "versionId", MAX_TAG_LENGTH),
    )


def encode_entry(entry: ManifestEntry) -> str:
    """The canonical line of an entry, newline included."""
    return (
        json.dumps(entry.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        + "\n"
    )


def decode_entry(line: str | bytes) -> ManifestEntry:
    """Parse one entry line written by `encode_entry` (trusted: produced by this server)."""
    data = json.loads(line)
    return ManifestEntry(
        data["path"],
        data.get("digest"),
        data.get("size"),
        data.get("ref"),
        data.get("etag"),
        data.get("version_id"),
    )


def encode_draft_line(line: DraftLine) -> str:
    if isinstance(line, Removal):
        return json.dumps({"path": line.path, "remove": True}, separators=(",", ":")) + "\n"
    return encode_entry(line)


def decode_draft_line(line: str) -> DraftLine:
    data = json.loads(line)
    if data.get("remove"):
        return Removal(data["path"])
    return decode_entry(line)


def sorted_batch(lines: Iterable[DraftLine]) -> list[DraftLine]:
    """A batch in canonical order; INVALID_PATH for a repeated path or a file that is also a
    directory of another entry."""
    batch = sorted(lines, key=lambda line: sort_key(line.path))
    check_order(batch)
    return batch


def check_order(lines: Iterable[DraftLine], previous: str | None = None) -> str | None:
    """Check canonical order and clashes after `previous`; return the last path seen."""
    for line in lines:
        check_next(previous, line.path)
        previous = line.path
    return previous


def check_next(previous: str | None, path: str) -> None:
    """INVALID_PATH unless `path` comes strictly after `previous` without a file/dir clash."""
    if previous is None:
        return
    if path == previous:
        raise InvalidPath(f"Path appears twice: {path[:200]!r}", field="path")
    if sort_key(path) < sort_key(previous):
        raise InvalidPath(
            f"Entries must be sent in path order: {path[:200]!r} after {previous[:200]!r}",
            field="path",
        )
    if path.startswith(previous + "/"):
        raise InvalidPath(
            f"{previous[:200]!r} is a file and also a directory of {path[:200]!r}", field="path"
        )


async def merge_with_base(
    base: AsyncIterator[ManifestEntry], changes: AsyncIterator[DraftLine], dropped: set[str]
) -> AsyncIterator[ManifestEntry]:
    """The base entries with `changes` applied, in canonical order (both inputs are in it).

    A change replaces the base entry of the same path; a `Removal` drops it (INVALID_PATH when the
    base has no such path). Digests of dropped or replaced base blobs are added to `dropped`.
    """
    base_next = await anext(base, None)
    change_next = await anext(changes, None)
    while base_next is not None or change_next is not None:
        if change_next is None or (
            base_next is not None and sort_key(base_next.path) < sort_key(change_next.path)
        ):
            assert base_next is not None
            yield base_next
            base_next = await anext(base, None)
            continue
        same = base_next is not None and base_next.path == change_next.path
        if same:
            assert base_next is not None
            if base_next.digest is not None and base_next.ref is None:
                dropped.add(base_next.digest)
            base_next = await anext(base, None)
        if isinstance(change_next, Removal):
            if not same:
                raise InvalidPath(
                    f"Cannot remove {change_next.path[:200]!r}: not in the base version",
                    field="path",
                )
        else:
            yield change_next
        change_next = await anext(changes, None)


async def only_entries(lines: AsyncIterator[DraftLine]) -> AsyncIterator[ManifestEntry]:
    """The draft lines of a draft without a base; removals make no sense there."""
    async for line in lines:
        if isinstance(line, Removal):
            raise InvalidInput(
                f"Removing {line.path[:200]!r} needs a base version", field="baseVersion"
            )
        yield line


def check_count(count: int) -> None:
    if count > MAX_ENTRIES:
        raise TooManyObjects(f"A manifest holds at most {MAX_ENTRIES} entries", field="entries")
