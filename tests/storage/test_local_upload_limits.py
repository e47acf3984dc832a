"""Signed local upload URLs over real HTTP: bounded by the signed size, one upload at a time.

The live server serves `/blobs/<digest>` for the local store; the test signs its URLs with a
store sharing the server's secret and blob directory, as the API does when it plans uploads.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from storage.local import LocalBlobStore
from storage.multipart import MiB
from storage.signing import UrlSigner
from tests.conftest import LiveServer
from tests.storage.helpers import blob

FLOOD = 64 * MiB
"""What a hostile client offers for a 16-byte blob; the server must stop long before it."""


@pytest.fixture(scope="module")
def served(live_local_server: LiveServer) -> LocalBlobStore:
    settings = live_local_server.settings
    return LocalBlobStore(
        Path(settings.blob_store),
        UrlSigner(settings.secret_key.value.encode()),
        live_local_server.url,
    )


async def _upload_url(store: LocalBlobStore, digest: str, size: int) -> str:
    target = await store.presign_upload(digest, size, expires_in=60)
    assert target.url is not None
    return target.url


def _leftovers(store: LocalBlobStore, digest: str) -> list[Path]:
    """Anything the store wrote for `digest`: the blob or a temporary file beside it."""
    folder = store.path_for(digest).parent
    return [p for p in folder.iterdir() if digest in p.name] if folder.exists() else []


class Counted:
    """A request body that counts the bytes the client was asked for."""

    def __init__(self, total: int, chunk: int = MiB) -> None:
        self.total = total
        self.chunk = chunk
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        piece = os.urandom(self.chunk)
        while self.sent < self.total:
            part = piece[: min(self.chunk, self.total - self.sent)]
            self.sent += len(part)
            yield part


def _put(url: str, body: Counted, *, length: int | None) -> int | None:
    """PUT `body` (with a Content-Length or chunked); the status, or None if the server hung
    up before its answer could be read (it stopped reading, as it should)."""
    headers = {} if length is None else {"content-length": str(length)}
    with httpx.Client(timeout=60) as http:
        try:
            return http.put(url, content=iter(body), headers=headers).status_code
        except httpx.TransportError:
            return None


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_an_upload_beyond_the_signed_size_is_refused_before_it_is_stored(
    served: LocalBlobStore, declared: bool
) -> None:
    data, digest = blob(16)
    url = await _upload_url(served, digest, len(data))
    body = Counted(FLOOD)
    status = await asyncio.to_thread(_put, url, body, length=FLOOD if declared else None)
    assert status in (413, None)
    # The server stopped reading at once: what the client managed to send fits in the socket
    # buffers, nowhere near the whole flood.
    assert body.sent < FLOOD // 2, body.sent
    assert not await served.exists(digest) and _leftovers(served, digest) == []
    async with httpx.AsyncClient(timeout=60) as http:
        ok = await http.put(url, content=data)
    assert ok.status_code == 201 and await served.exists(digest)


async def test_one_byte_over_or_under_the_signed_size_is_refused(served: LocalBlobStore) -> None:
    data, digest = blob(4000)
    url = await _upload_url(served, digest, len(data))
    async with httpx.AsyncClient(timeout=60) as http:
        over = await http.put(url, content=data + b"x")
        assert over.status_code == 413 and over.json()["error"]["code"] == "LIMIT_EXCEEDED"
        under = await http.put(url, content=data[:-1])
        assert under.status_code == 400 and under.json()["error"]["code"] == "SIZE_MISMATCH"
        assert not await served.exists(digest) and _leftovers(served, digest) == []
        assert (await http.put(url, content=data)).status_code == 201


async def test_the_size_is_part_of_the_signature(served: LocalBlobStore) -> None:
    data, digest = blob(16)
    url = await _upload_url(served, digest, len(data))
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["size"] == "16"
    async with httpx.AsyncClient(timeout=60) as http:
        for altered in (
            dict(query, size=str(FLOOD)),
            {k: v for k, v in query.items() if k != "size"},
        ):
            forged = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(altered)}"
            refused = await http.put(forged, content=data)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
    assert not await served.exists(digest)


async def test_a_second_put_on_one_url_while_the_first_runs_answers_409(
    served: LocalBlobStore,
) -> None:
    data, digest = blob(2 * MiB)
    url = await _upload_url(served, digest, len(data))
    first_half = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield data[:MiB]
        first_half.set()
        await release.wait()
        yield data[MiB:]

    async with httpx.AsyncClient(timeout=60) as http:
        first = asyncio.create_task(
            http.put(url, content=slow(), headers={"content-length": str(len(data))})
        )
        await asyncio.wait_for(first_half.wait(), 10)
        # The server claims the URL when the first request's headers arrive; give it a moment.
        # The second body is small, so the server has it whole when it refuses and hangs up.
        second = None
        for _ in range(50):
            second = await http.put(url, content=data[:10])
            if second.status_code == 409:
                break
            await asyncio.sleep(0.02)
        assert second is not None and second.status_code == 409, second
        assert second.json()["error"]["code"] == "CONFLICT"
        release.set()
        assert (await first).status_code == 201
        # once the first is done the URL may be used again (uploads are idempotent)
        assert (await http.put(url, content=data)).status_code == 201
    assert await served.exists(digest)


async def test_the_store_reads_at_most_one_byte_past_the_signed_size(
    served: LocalBlobStore,
) -> None:
    from storage.local import UploadTooLarge

    data, digest = blob(10)
    pulled = 0

    async def one_byte_at_a_time() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1000):
            pulled += 1
            yield b"x"

    with pytest.raises(UploadTooLarge):
        await served.receive_upload(digest, len(data), one_byte_at_a_time(), claim="test")
    assert pulled == len(data) + 1
    assert _leftovers(served, digest) == []
