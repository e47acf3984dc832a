"""Moving bytes in parallel: uploads to signed URLs, verified downloads into the cache.

Bytes never pass through GraphQL: uploads go straight to the URLs the server handed out
(presigned S3 PUTs, multipart part URLs, or the API's own signed URLs for a local store), and
downloads come from presigned GETs. Each transfer retries transient failures (network errors,
HTTP 5xx) a few times. A progress bar counts bytes as they are sent or received (not files as
they finish) and appears for transfers that take more than two seconds, unless disabled with
`progress=False` or `LINEAGE_PROGRESS=0`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tqdm import tqdm

from lineage.cache import BlobCache
from lineage.errors import LineageError

CHUNK = 1024 * 1024
ATTEMPTS = 4
DEFAULT_WORKERS = 8
T = TypeVar("T")


def default_workers() -> int:
    raw = os.environ.get("LINEAGE_TRANSFER_WORKERS")
    return int(raw) if raw else DEFAULT_WORKERS


def progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return os.environ.get("LINEAGE_PROGRESS", "1") not in {"0", "false", "no"}


class Progress:
    """A thread-safe byte counter with an optional tqdm bar (shown after 2 s)."""

    def __init__(self, total: int | None, description: str, enabled: bool) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self._bar = tqdm(
            total=total,
            desc=description,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            delay=2.0,
            disable=not enabled,
            leave=False,
        )

    def update(self, count: int) -> None:
        with self._lock:
            self.done += count
            self._bar.update(count)

    def expect(self, count: int) -> None:
        """Add `count` bytes to the total, for transfers planned as they go (uploads)."""
        with self._lock:
            # No refresh here: the next byte counted redraws it, and a forced draw would print
            # a 0% line for every planned file before the bar's start-up delay has passed.
            self._bar.total = (self._bar.total or 0) + count

    def close(self) -> None:
        self._bar.close()


def transfer_client(workers: int) -> httpx.Client:
    """An HTTP client for storage URLs: no API credentials, a pool sized for the workers."""
    pool = max(4, workers * 2)
    return httpx.Client(
        timeout=httpx.Timeout(60.0, read=300.0, write=300.0),
        limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        follow_redirects=True,
    )


def with_retries(action: Callable[[], T], what: str) -> T:
    """Run `action`, retrying network errors and HTTP 5xx (raised as `_Retryable`)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return action()
        except (httpx.TransportError, _Retryable) as error:
            if attempt == ATTEMPTS:
                raise LineageError("STORAGE_ERROR", f"{what} failed: {error}") from error
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


class _Retryable(Exception):
    pass


def _file_range(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                raise LineageError("INVALID_INPUT", f"{path} changed while uploading")
            remaining -= len(chunk)
            yield chunk


def _put(
    http: httpx.Client,
    url: str,
    path: Path,
    start: int,
    length: int,
    headers: dict[str, str],
    progress: Progress,
) -> httpx.Response:
    def attempt() -> httpx.Response:
        sent = 0

        def counted() -> Iterator[bytes]:
            # httpx asks for the next chunk once it has written this one: count bytes sent.
            nonlocal sent
            for chunk in _file_range(path, start, length):
                yield chunk
                sent += len(chunk)
                progress.update(len(chunk))

        try:
            response = http.put(
                url, content=counted(), headers={**headers, "content-length": str(length)}
            )
        except BaseException:
            progress.update(-sent)
            raise
        if response.status_code >= 500:
            progress.update(-sent)
            raise _Retryable(f"HTTP {response.status_code}")
        return response

    return with_retries(attempt, f"upload of {path}")


def upload_blob(
    http: httpx.Client,
    target: dict[str, Any],
    path: Path,
    progress: Progress,
    complete: Callable[[str, str, list[dict[str, Any]]], None],
) -> int:
    """Upload one file to its target; return the bytes stored (0 if S3 already had it: 412)."""
    size = int(target["size"])
    multipart = target.get("multipart")
    if multipart is None:
        response = _put(http, target["url"], path, 0, size, dict(target["headers"]), progress)
        if response.status_code == 412:
            return 0
        if response.status_code >= 300:
            raise LineageError(
                "STORAGE_ERROR",
                f"upload of {path} refused: HTTP {response.status_code} {response.text[:300]}",
            )
        return size
    part_size = int(multipart["partSize"])
    parts = []
    for number, url in enumerate(multipart["partUrls"], start=1):
        start = (number - 1) * part_size
        response = _put(http, url, path, start, min(part_size, size - start), {}, progress)
        if response.status_code >= 300:
            raise LineageError(
                "STORAGE_ERROR",
                f"upload of part {number} of {path} refused: HTTP {response.status_code}",
            )
        parts.append({"partNumber": number, "etag": response.headers["etag"]})
    complete(target["digest"], multipart["uploadId"], parts)
    return size


def download_blob(
    http: httpx.Client,
    url: str,
    digest: str,
    size: int | None,
    cache: BlobCache,
    progress: Progress,
) -> Path:
    """The verified blob in the cache: downloaded unless already there. DIGEST_MISMATCH if the
    bytes do not hash to `digest` (nothing is kept)."""
    cached = cache.get(digest, size)
    if cached is not None:
        if size:
            progress.update(size)
        return cached

    def attempt() -> Path:
        temp = cache.temp_path(digest)
        hasher = hashlib.sha256()
        received = 0
        try:
            with http.stream("GET", url) as response:
                if response.status_code >= 500:
                    raise _Retryable(f"HTTP {response.status_code}")
                if response.status_code >= 300:
                    raise LineageError(
                        "STORAGE_ERROR", f"download refused: HTTP {response.status_code}"
                    )
                with temp.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        hasher.update(chunk)
                        out.write(chunk)
                        received += len(chunk)
                        progress.update(len(chunk))
            if hasher.hexdigest() != digest:
                raise LineageError(
                    "DIGEST_MISMATCH",
                    f"downloaded bytes hash to {hasher.hexdigest()}, not {digest}",
                )
            return cache.adopt(temp, digest)
        except BaseException:
            progress.update(-received)
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise

    return with_retries(attempt, f"download of {digest}")
