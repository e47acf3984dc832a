"""Folders and files only their owner may read: the data folder (Neo4j store, blobs, keys) and
the secrets in it.

Standard library only: `lineage` loads this where just the SDK is installed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter: created 0700 (missing parents too), and an
    existing one of ours tightened to 0700, since earlier releases created it world-readable.

    A shared sticky folder such as /tmp, or one owned by someone else, is left as it is: it is
    not ours to lock up.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    info = path.stat()
    if (
        not stat.S_ISVTX & info.st_mode
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) != PRIVATE_DIR_MODE
    ):
        path.chmod(PRIVATE_DIR_MODE)
    return path


def write_private_file(path: Path, text: str) -> Path:
    """Write `text` to `path` readable by its owner only: a new file is created 0600, never
    briefly wider; an existing one is tightened before it is rewritten."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(text)
    return path


def read_private_file(path: Path) -> str | None:
    """The stripped text of `path`, tightened to 0600 first if it is wider; None when absent."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.geteuid():
        path.chmod(PRIVATE_FILE_MODE)
    return path.read_text().strip()
