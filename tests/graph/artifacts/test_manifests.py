"""The manifest format: path rules, canonical bytes, order, pages and incremental merges."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.artifacts.manifest_spool import PAGE_MAX_ENTRIES, ManifestSpool
from graph.artifacts.manifests import (
    HEADER,
    DraftLine,
    ManifestEntry,
    Removal,
    decode_draft_line,
    encode_draft_line,
    encode_entry,
    make_entry,
    merge_with_base,
    sort_key,
    sorted_batch,
    validate_path,
)
from graph.core.errors import DomainError, InvalidInput, InvalidPath

DIGEST = "a" * 64


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../up",
        "a/../../b",
        "a/./b",
        "a//b",
        "a/",
        "a\\b",
        "C:/windows",
        "nul\x00byte",
        "tab\there",
        "x" * 1025,
        "y" * 256 + "/z",
    ],
)
def test_paths_that_escape_or_are_not_normalised_are_refused(path: str) -> None:
    with pytest.raises(InvalidPath) as error:
        validate_path(path)
    assert error.value.code == "INVALID_PATH"


@pytest.mark.parametrize("path", ["a", "a/b.txt", "dir/sub/ünïcode ok.bin", "..hidden", "a..b"])
def test_relative_paths_are_kept_unchanged(path: str) -> None:
    assert validate_path(path) == path


def test_entries_are_blobs_or_references_and_nothing_else() -> None:
    blob = make_entry("a", DIGEST, 3)
    assert encode_entry(blob) == '{"digest":"' + DIGEST + '","path":"a","size":3}\n'
    ref = make_entry("r", None, None, "s3://bucket/key", '"etag"', "v1")
    assert json.loads(encode_entry(ref)) == {
        "path": "r",
        "ref": "s3://bucket/key",
        "etag": '"etag"',
        "version_id": "v1",
    }
    with pytest.raises(InvalidInput):
        make_entry("a", "ABC", 3)
    with pytest.raises(InvalidInput):
        make_entry("a", DIGEST, None)
    with pytest.raises(InvalidInput):
        make_entry("a", DIGEST, -1)
    with pytest.raises(InvalidInput):
        make_entry("a", DIGEST, 1, etag="x")
    with pytest.raises(InvalidInput):
        make_entry("r", ref="ftp://host/x")
    with pytest.raises(InvalidInput):
        make_entry("r", ref="s3:///no-bucket")
    for relative in ("file://../../etc/passwd", "file:relative", "file://host/x"):
        with pytest.raises(InvalidInput, match="absolute"):
            make_entry("r", ref=relative)
    assert make_entry("r", ref="file:///data/x.csv").ref == "file:///data/x.csv"
    assert make_entry("r", ref="file://localhost/data/x.csv").ref


def test_order_puts_slash_first_so_a_file_cannot_hide_a_directory() -> None:
    paths = ["a-x", "a/b", "a", "a.b", "ab"]
    assert sorted(paths, key=sort_key) == ["a", "a/b", "a-x", "a.b", "ab"]
    with pytest.raises(InvalidPath, match="also a directory"):
        sorted_batch([make_entry("a", DIGEST, 1), make_entry("a/b", DIGEST, 1)])
    with pytest.raises(InvalidPath, match="twice"):
        sorted_batch([make_entry("a", DIGEST, 1), make_entry("a", DIGEST, 2)])


def test_draft_lines_round_trip() -> None:
    for line in (make_entry("a", DIGEST, 1), Removal("gone/file")):
        assert decode_draft_line(encode_draft_line(line)) == line


def _spool(entries: Iterable[ManifestEntry]) -> ManifestSpool:
    spool = ManifestSpool(max_memory=4096)
    for entry in entries:
        spool.add(entry)
    spool.finish()
    return spool


def test_spool_digest_is_the_sha256_of_the_canonical_bytes_and_pages_cover_every_entry() -> None:
    entries = [make_entry(f"d/{i:06d}", DIGEST, i) for i in range(10_000)]
    with _spool(entries) as spool:
        data = b"".join(spool.manifest_bytes())
        expected = HEADER + "".join(encode_entry(entry) for entry in entries)
        assert data == expected.encode()
        assert spool.digest == hashlib.sha256(data).hexdigest()
        assert (spool.count, spool.size) == (10_000, sum(range(10_000)))
        assert sum(page.count for page in spool.pages) == 10_000
        assert all(page.count <= PAGE_MAX_ENTRIES for page in spool.pages)
        joined = b"".join(b"".join(spool.read_range(p.start, p.end)) for p in spool.pages)
        assert HEADER.encode() + joined == data
        for page in spool.pages:
            page_bytes = b"".join(spool.read_range(page.start, page.end))
            assert hashlib.sha256(page_bytes).hexdigest() == page.digest
        assert list(spool.entries()) == entries


def test_pages_depend_on_paths_so_an_insert_keeps_the_other_pages() -> None:
    entries = [make_entry(f"f/{i:06d}", DIGEST, 1) for i in range(20_000)]
    with (
        _spool(entries) as before,
        _spool([*entries[:5000], make_entry("f/004999x", DIGEST, 2), *entries[5000:]]) as after,
    ):
        shared = {p.digest for p in before.pages} & {p.digest for p in after.pages}
        assert len(before.pages) > 3
        assert len(shared) >= len(before.pages) - 2


async def _aiter(items: Iterable[DraftLine]) -> AsyncIterator[DraftLine]:
    for item in items:
        yield item


async def _merged(
    base: list[ManifestEntry], changes: list[DraftLine]
) -> tuple[list[str], set[str]]:
    dropped: set[str] = set()
    base_iter: AsyncIterator[ManifestEntry] = _aiter(base)  # type: ignore[assignment]
    out = [e.path async for e in merge_with_base(base_iter, _aiter(changes), dropped)]
    return out, dropped


async def test_incremental_merge_adds_replaces_and_removes() -> None:
    digests = {name: hashlib.sha256(name.encode()).hexdigest() for name in "abcd"}
    base = [make_entry(name, digests[name], 1) for name in "abc"]
    changes: list[DraftLine] = [
        make_entry("b", digests["d"], 1),
        Removal("c"),
        make_entry("d", DIGEST, 1),
    ]
    paths, dropped = await _merged(base, changes)
    assert paths == ["a", "b", "d"]
    assert dropped == {digests["b"], digests["c"]}
    with pytest.raises(InvalidPath, match="not in the base"):
        await _merged(base, [Removal("zzz")])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="ab/-._", min_size=1, max_size=8).filter(lambda p: _valid(p)),
        max_size=40,
        unique=True,
    )
)
def test_any_valid_batch_sorts_to_a_strictly_ordered_clash_free_manifest(paths: list[str]) -> None:
    entries = [make_entry(path, DIGEST, 1) for path in paths]
    try:
        batch = sorted_batch(entries)
    except InvalidPath as error:
        assert "also a directory" in error.message
        assert any(other.startswith(p + "/") for p in paths for other in paths)
        return
    keys = [sort_key(line.path) for line in batch]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    with _spool(e for e in batch if isinstance(e, ManifestEntry)) as spool:
        assert spool.count == len(paths)


def _valid(path: str) -> bool:
    try:
        validate_path(path)
    except DomainError:
        return False
    return True


def test_the_largest_ttl_named_in_the_refusal_fits_a_graphql_int() -> None:
    from graph.artifacts.fields import MAX_TTL_SECONDS, validate_ttl

    assert MAX_TTL_SECONDS == 2**31 - 1 and validate_ttl(MAX_TTL_SECONDS) == MAX_TTL_SECONDS
    with pytest.raises(InvalidInput, match=str(MAX_TTL_SECONDS)):
        validate_ttl(MAX_TTL_SECONDS + 1)
