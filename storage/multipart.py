"""Part sizing for multipart uploads, within the limits S3 (and versitygw) impose.

S3 accepts at most 10,000 parts, each at least 5 MiB except the last. A blob is split into parts of
the configured size, grown in whole MiB when the blob would otherwise need more than 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000
DEFAULT_MULTIPART_THRESHOLD = 64 * MiB
DEFAULT_PART_SIZE = 64 * MiB


@dataclass(frozen=True)
class PartPlan:
    """`count` parts of `part_size` bytes, the last holding the remainder."""

    part_size: int
    count: int


def check_part_size(part_size: int) -> int:
    """Return `part_size` if S3 would accept it for every part but the last; ValueError if not."""
    if part_size < MIN_PART_SIZE:
        raise ValueError(f"part size {part_size} is below the S3 minimum of {MIN_PART_SIZE}")
    return part_size


def plan_parts(size: int, part_size: int = DEFAULT_PART_SIZE) -> PartPlan:
    """Split `size` bytes into at most 10,000 parts of at least `part_size` (and 5 MiB) each."""
    if size <= 0:
        raise ValueError("a multipart upload needs at least one byte")
    check_part_size(part_size)
    smallest = -(-size // MAX_PARTS)
    if smallest > part_size:
        part_size = -(-smallest // MiB) * MiB
    return PartPlan(part_size=part_size, count=-(-size // part_size))
