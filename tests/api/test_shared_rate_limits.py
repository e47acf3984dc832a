"""The rate limit tables that the workers of one `lineage serve --workers N` share: two processes
spending one key's allowance together get it once, not once each."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from api.ratelimit_shared import KEYS_TABLE, SharedTokenBuckets, create_tables

PER_MINUTE = 50


def _spend(table: Path, key: str, tries: int, allowed: multiprocessing.Queue[int]) -> None:
    buckets = SharedTokenBuckets(table, PER_MINUTE)
    allowed.put(sum(buckets.take(key) == 0.0 for _ in range(tries)))
    buckets.close()


def test_two_processes_share_one_keys_allowance(tmp_path: Path) -> None:
    create_tables(tmp_path)
    context = multiprocessing.get_context("spawn")
    allowed: multiprocessing.Queue[int] = context.Queue()
    workers = [
        context.Process(target=_spend, args=(tmp_path / KEYS_TABLE, "key-1", 200, allowed))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    total = allowed.get(timeout=5) + allowed.get(timeout=5)
    # a refill of 50 a minute adds at most a token or two while they run
    assert PER_MINUTE <= total <= PER_MINUTE + 2


def test_keys_have_their_own_buckets_and_refusals_say_when_to_retry(tmp_path: Path) -> None:
    create_tables(tmp_path)
    now = [1000.0]
    buckets = SharedTokenBuckets(tmp_path / KEYS_TABLE, 2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == 30.0  # 2 a minute: the next token in 30 s
    assert buckets.take("b") == 0.0
    now[0] += 30
    assert buckets.take("a") == 0.0
    buckets.close()


def test_a_table_that_is_not_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(b"x")
    try:
        SharedTokenBuckets(tmp_path / "bad", 10)
    except ValueError as error:
        assert "not a rate limit table" in str(error)
    else:
        raise AssertionError("accepted a file too small to be a table")
