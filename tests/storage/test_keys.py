from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from storage.base import InvalidDigest
from storage.keys import blob_key, digest_b64, sha256_file, validate_digest
from storage.multipart import MAX_PARTS, MiB, plan_parts

DIGEST = hashlib.sha256(b"lineage").hexdigest()


def test_blob_key_fans_out_by_the_first_four_hex_characters() -> None:
    assert blob_key(DIGEST) == f"blobs/sha256/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"


@pytest.mark.parametrize(
    "bad",
    [
        DIGEST.upper(),
        DIGEST[:-1],
        DIGEST + "0",
        "g" * 64,
        "",
        f"../{DIGEST[3:]}",
        f"{DIGEST[:-1]}\n",
    ],
)
def test_digests_other_than_64_lowercase_hex_are_refused(bad: str) -> None:
    with pytest.raises(InvalidDigest):
        validate_digest(bad)
    with pytest.raises(InvalidDigest):
        blob_key(bad)


def test_digest_b64_is_the_raw_digest_in_base64() -> None:
    assert digest_b64(DIGEST) == base64.b64encode(hashlib.sha256(b"lineage").digest()).decode()


async def test_sha256_file_matches_hashlib_across_chunk_boundaries(tmp_path: Path) -> None:
    data = bytes(range(256)) * (40 * 1024)  # 10 MiB: more than one 8 MiB read
    path = tmp_path / "f"
    path.write_bytes(data)
    assert await sha256_file(path) == (hashlib.sha256(data).hexdigest(), len(data))


def test_part_plan_keeps_the_configured_size_when_it_fits() -> None:
    plan = plan_parts(12 * MiB, 5 * MiB)
    assert (plan.part_size, plan.count) == (5 * MiB, 3)


def test_part_plan_grows_parts_to_stay_within_ten_thousand() -> None:
    size = 1024 * 1024 * MiB  # 1 TiB
    plan = plan_parts(size, 64 * MiB)
    assert plan.count <= MAX_PARTS
    assert plan.part_size % MiB == 0
    assert plan.part_size * plan.count >= size
    assert (plan.part_size - MiB) * MAX_PARTS < size


def test_part_plan_refuses_parts_below_the_s3_minimum() -> None:
    with pytest.raises(ValueError):
        plan_parts(100 * MiB, 4 * MiB)
