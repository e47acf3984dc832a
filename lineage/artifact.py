"""Building and logging an artifact version from a notebook or pipeline.

    art = lineage.Artifact("images", "dataset", metadata={"source": "camera-3"})
    art.add_dir("data/images", prefix="images")
    art.add_reference("s3://raw-bucket/2024/")
    version = lineage.log_artifact(art, project="acme/vision", aliases=["staging"])

Logging hashes the files (skipping unchanged ones through the hash cache), sends the entries in
path-ordered batches, uploads in parallel exactly the blobs the server does not hold (batch k
uploads while batch k+1 hashes), and commits. Equal content returns the existing version and
uploads nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage.artifact_upload import log_entries
from lineage.cache import cache_root
from lineage.client import Client, default_client
from lineage.errors import LineageError
from lineage.hashing import HashCache, sort_key
from lineage.references import reference_entries

if TYPE_CHECKING:
    from lineage.artifact_version import ArtifactVersion


@dataclass(frozen=True)
class _Reference:
    uri: str
    name: str | None
    checksum: bool
    max_objects: int | None


def _check_name(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in {"", ".", ".."} for p in parts):
        raise LineageError(
            "INVALID_PATH", f"artifact paths are relative and '/'-separated: {name!r}"
        )
    return name


class Artifact:
    """A version being assembled: files, directories, references (and removals when based on an
    earlier version via `ArtifactVersion.new_draft`)."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.type = type
        self.description = description
        self.metadata = dict(metadata or {})
        self.base: ArtifactVersion | None = None
        self._files: dict[str, Path] = {}
        self._references: list[_Reference] = []
        self._removed: set[str] = set()

    def __repr__(self) -> str:
        return f"Artifact({self.name!r}, {self.type!r}, files={len(self._files)})"

    def add_file(self, path: str | os.PathLike[str], name: str | None = None) -> str:
        """Add one local file as `name` (default: its file name); returns the artifact path."""
        local = Path(path)
        if not local.is_file():
            raise LineageError("INVALID_INPUT", f"not a file: {local}")
        entry = _check_name(name or local.name)
        known = self._files.get(entry)
        if known is not None and known.resolve() != local.resolve():
            raise LineageError("INVALID_PATH", f"{entry!r} was already added from {known}")
        self._files[entry] = local
        self._removed.discard(entry)
        return entry

    def add_dir(self, path: str | os.PathLike[str], prefix: str | None = None) -> list[str]:
        """Add every file under a directory, at `prefix/<relative path>` (or the relative path)."""
        root = Path(path)
        if not root.is_dir():
            raise LineageError("INVALID_INPUT", f"not a directory: {root}")
        added = []
        for local in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = local.relative_to(root).as_posix()
            added.append(
                self.add_file(local, f"{prefix.strip('/')}/{relative}" if prefix else relative)
            )
        return added

    def add_reference(
        self,
        uri: str,
        name: str | None = None,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> None:
        """Record an `s3://`, `file://` or `http(s)://` location without copying its bytes.

        With `checksum` every object under it is listed when logging (ETag/sha256, size, version
        id), at most `max_objects` (default 10,000,000; beyond: TOO_MANY_OBJECTS); without, only
        the location itself. `name` is the artifact path the entries go under.
        """
        if name is not None:
            _check_name(name)
        self._references.append(_Reference(uri, name, checksum, max_objects))

    def remove(self, name: str) -> None:
        """In a draft based on an earlier version: drop that version's entry at `name`."""
        if self.base is None:
            raise LineageError("INVALID_INPUT", "remove() needs a draft from version.new_draft()")
        self._files.pop(name, None)
        self._removed.add(_check_name(name))

    def _items(self, hashes: HashCache) -> list[dict[str, Any]]:
        """Every entry in manifest order; files carry `local` (hashed later) instead of a digest."""
        items: dict[str, dict[str, Any]] = {}

        def add(item: dict[str, Any]) -> None:
            if item["path"] in items:
                raise LineageError("INVALID_PATH", f"{item['path']!r} is in the artifact twice")
            items[item["path"]] = item

        for entry, local in self._files.items():
            add({"path": entry, "local": local})
        for ref in self._references:
            for item in reference_entries(
                ref.uri, ref.name, checksum=ref.checksum, max_objects=ref.max_objects, hashes=hashes
            ):
                add(item)
        for entry in self._removed:
            add({"path": entry, "remove": True})
        return [items[path] for path in sorted(items, key=sort_key)]


def _split_project(project: str) -> tuple[str, str]:
    parts = project.split("/")
    if len(parts) != 2 or not all(parts):
        raise LineageError("INVALID_PATH", f"project must be 'organization/project': {project!r}")
    return parts[0], parts[1]


def log_artifact(
    artifact: Artifact,
    project: str,
    aliases: list[str] | None = None,
    run_id: str | None = None,
    *,
    tags: list[str] | None = None,
    ttl_seconds: int | None = None,
    client: Client | None = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> ArtifactVersion:
    """Log the artifact to `organization/project` and return the committed version.

    The result's `created` says whether it is new, and `uploaded_bytes` how much was sent.
    """
    client = client or default_client()
    org, project_name = _split_project(project)
    header: dict[str, Any] = {
        "organization": org,
        "project": project_name,
        "artifact": artifact.name,
        "type": artifact.type,
        "description": artifact.description,
        "metadata": artifact.metadata,
        "tags": tags,
        "aliases": aliases,
        "ttlSeconds": ttl_seconds,
        "runId": run_id,
        "baseVersion": artifact.base.id if artifact.base is not None else None,
    }
    with HashCache(cache_root() / "hashes.sqlite3") as hashes:
        items = artifact._items(hashes)
        return log_entries(
            client,
            header,
            items,
            hashes,
            incremental=artifact.base is not None,
            workers=workers,
            progress=progress,
        )
