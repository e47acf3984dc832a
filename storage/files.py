"""Write-then-publish on a local filesystem, so no reader ever sees a partial or wrong file.

Bytes go to a hidden temporary file in the destination's own directory (same filesystem, so the
final step is an atomic rename or link), are hashed on the way, and are published only when the
hash matches.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiofiles

from storage.base import DigestMismatch
from storage.keys import StreamDigest

# Filesystems that cannot hard-link (some FUSE, SMB and overlay mounts) answer with one of these;
# for them publishing falls back to an atomic replace, which is still safe for immutable blobs.
_NO_LINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


def temp_path_beside(path: Path) -> Path:
    """A unique hidden name in `path`'s directory, never clashing with a concurrent writer."""
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")


def remove_quietly(path: Path) -> None:
    """Unlink `path` if it exists; cleanup must not mask the error that triggered it."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def write_verified(chunks: AsyncIterator[bytes], tmp: Path, digest: str) -> int:
    """Write `chunks` to `tmp`, fsync, and return the size if they hash to `digest`.

    On a mismatch (or any error, or cancellation) `tmp` is removed before the error propagates.
    """
    running = StreamDigest()
    try:
        async with aiofiles.open(tmp, "wb") as handle:
            async for chunk in chunks:
                running.update(chunk)
                await handle.write(chunk)
            await handle.flush()
            await asyncio.to_thread(os.fsync, handle.fileno())
        actual = running.hexdigest()
        if actual != digest:
            raise DigestMismatch(digest, actual)
    except BaseException:
        remove_quietly(tmp)
        raise
    return running.size


def publish_if_absent(tmp: Path, final: Path) -> bool:
    """Move `tmp` to `final` unless `final` exists; return whether `tmp` became `final`.

    A hard link is an atomic create-if-absent, so of two concurrent writers exactly one wins and
    the other's bytes are discarded. `tmp` is gone afterwards either way.
    """
    try:
        os.link(tmp, final)
    except FileExistsError:
        remove_quietly(tmp)
        return False
    except OSError as error:
        if error.errno not in _NO_LINK_ERRNOS:
            remove_quietly(tmp)
            raise
        os.replace(tmp, final)
        return True
    remove_quietly(tmp)
    return True


async def file_chunks(path: Path, chunk_size: int) -> AsyncIterator[bytes]:
    """Yield a file's bytes in chunks of at most `chunk_size`; FileNotFoundError if missing.

    The handle is a plain file closed synchronously in `finally`, so it is closed even when the
    reader abandons the generator (a client hanging up mid-download) and it is finalised by the
    garbage collector, where an async close could no longer run.
    """
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()
