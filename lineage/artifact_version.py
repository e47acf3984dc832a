"""A committed artifact version as the SDK hands it out: its files, download, aliases.

    version = lineage.get_artifact("acme/vision/images:latest")
    root = version.download()            # parallel, sha256-verified, through the local cache
    for file in version.files(): ...
    version.verify(root)                 # [] while the folder still holds what was logged

Downloads land in `./artifacts/<name>-v<N>` unless a root is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage import artifact_queries as q
from lineage.artifact_edits import ArtifactInfo, update_artifact_by_id, update_version_data
from lineage.cache import BlobCache, file_digest, place
from lineage.client import Client, default_client
from lineage.errors import LineageError
from lineage.references import confined, fetch_reference
from lineage.transfer import (
    Progress,
    default_workers,
    download_blob,
    progress_enabled,
    transfer_client,
)
from lineage.traversal import iso

if TYPE_CHECKING:
    from lineage.artifact import Artifact

FILES_PAGE = 1000
MANY_VERSIONS = 200
MANY_FILES_LIMIT = 20_000


@dataclass(frozen=True)
class ArtifactFile:
    """One file of a version; `url` is a short-lived download URL for stored files."""

    path: str
    digest: str | None
    size: int | None
    ref: str | None
    etag: str | None
    version_id: str | None
    url: str | None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ArtifactFile:
        return cls(
            data["path"],
            data.get("digest"),
            data.get("size"),
            data.get("ref"),
            data.get("etag"),
            data.get("versionId"),
            data.get("url"),
        )


class ArtifactVersion:
    """A handle on one committed version (a snapshot of its fields when fetched)."""

    def __init__(self, data: dict[str, Any], client: Client | None = None) -> None:
        self.client = client or default_client()
        self.created: bool | None = None
        """After `log_artifact`: whether this version is new (False: equal content existed)."""
        self.uploaded_bytes: int = 0
        """After `log_artifact`: bytes uploaded to log it (0 when nothing new)."""
        self._set(data)

    def _set(self, data: dict[str, Any]) -> None:
        self.id: str = data["id"]
        self.index: int = data["index"]
        self.version: str = data["version"]
        self.path: str = data["path"]
        self.name: str = data["artifact"]["name"]
        self.type: str = data["artifact"]["type"]
        self.digest: str = data["digest"]
        self.size: int = data["size"]
        self.file_count: int = data["fileCount"]
        self.description: str | None = data.get("description")
        self.metadata: dict[str, Any] = data.get("metadata") or {}
        self.tags: list[str] = data.get("tags") or []
        self.aliases: list[str] = data.get("aliases") or []
        self.created_at: str = data["createdAt"]
        self.created_by: str | None = data.get("createdBy")
        self.ttl_seconds: int | None = data.get("ttlSeconds")
        self.expires_at: str | None = data.get("expiresAt")
        self.produced_by: str | None = data.get("producedBy")
        self.state: str = data.get("state") or "COMMITTED"
        """COMMITTED, or DELETED for a version fetched `as_of` a moment before its deletion."""
        self.deleted_at: str | None = data.get("deletedAt")
        self.artifact = ArtifactInfo.from_data(data["artifact"])
        """The artifact this is a version of (its own description and tags)."""

    def __repr__(self) -> str:
        return f"ArtifactVersion({self.path!r}, files={self.file_count}, size={self.size})"

    def refresh(self) -> ArtifactVersion:
        data = self.client.execute(q.VERSION_BY_ID, {"id": self.id})["node"]
        if data is None:
            raise LineageError("NOT_FOUND", f"{self.path} no longer exists")
        self._set(data)
        return self

    def files(self) -> Iterator[ArtifactFile]:
        """Every file in manifest order, fetched a page (1000 files) at a time."""
        return _files_after(self.client, self.id, None)

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        workers: int | None = None,
        progress: bool | None = None,
        copy: bool = False,
        cache: BlobCache | None = None,
    ) -> Path:
        """Download every file under `root` and return it.

        Stored files are fetched in parallel into the cache, their sha256 checked, then placed
        as files of their own (copies, or copy-on-write reflinks), hashed again as they are
        placed; editing them never changes the cache. `copy` is kept for compatibility: every
        file is a writable copy. References are fetched from their source and checked against
        what was recorded. A file already at a file's path is replaced; a directory where a file
        goes (or a file where a directory goes) is `LineageError` INVALID_PATH, naming it.
        """
        target = (
            Path(root) if root is not None else Path("artifacts") / f"{self.name}-v{self.index}"
        )
        target.mkdir(parents=True, exist_ok=True)
        download_files(
            ((target, file) for file in self.files()),
            total=self.size,
            workers=workers,
            progress=progress,
            copy=copy,
            cache=cache,
            description=self.path,
        )
        return target

    def verify(
        self, root: str | os.PathLike[str] | None = None, *, strict: bool = False
    ) -> list[str]:
        """The paths of this version's files that `root` (default: where `download()` puts
        them) no longer holds as logged: missing, or with other bytes (another sha256, or for
        a reference recorded without one, another size). In manifest order; [] when all match.

        Files under `root` that are not part of the version are not looked at. With
        `strict=True` a mismatch raises LineageError DIGEST_MISMATCH naming the paths instead.
        """
        target = (
            Path(root) if root is not None else Path("artifacts") / f"{self.name}-v{self.index}"
        )
        files = list(self.files())
        with ThreadPoolExecutor(default_workers()) as pool:
            held = list(pool.map(lambda file: _holds(target, file), files))
        mismatched = [file.path for file, ok in zip(files, held, strict=True) if not ok]
        if mismatched and strict:
            shown = ", ".join(mismatched[:20]) + (" ..." if len(mismatched) > 20 else "")
            raise LineageError(
                "DIGEST_MISMATCH",
                f"{len(mismatched)} file(s) under {target} differ from {self.path}: {shown}",
            )
        return mismatched

    def new_draft(self) -> Artifact:
        """An artifact builder based on this version: add, replace or `remove` paths and log it;
        only what changed is uploaded."""
        from lineage.artifact import Artifact

        draft = Artifact(self.name, self.type, description=self.description, metadata=self.metadata)
        draft.base = self
        return draft

    def set_alias(self, alias: str) -> None:
        payload = self.client.mutate(
            q.SET_ALIAS, {"input": {"versionId": self.id, "alias": alias}}, "setArtifactAlias"
        )
        self.aliases = payload["version"]["aliases"]

    def remove_alias(self, alias: str) -> None:
        artifact = self.path.rsplit(":", 1)[0]
        self.client.mutate(
            q.REMOVE_ALIAS, {"input": {"artifact": artifact, "alias": alias}}, "removeArtifactAlias"
        )
        self.aliases = [a for a in self.aliases if a != alias]

    def set_ttl(self, seconds: int | None) -> None:
        """Expire `seconds` after creation (0: never; None: the team's default)."""
        payload = self.client.mutate(
            q.SET_TTL,
            {"input": {"versionId": self.id, "ttlSeconds": seconds}},
            "setArtifactVersionTtl",
        )
        self._set(payload["version"])

    def update(
        self,
        *,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> ArtifactVersion:
        """Change this version's description, metadata and/or tags (None: unchanged; "", {},
        [] clear; metadata and tags are replaced whole). Files and digest never change.

        Returns self with the server's values. LineageError: FORBIDDEN, NOT_FOUND (deleted),
        METADATA_TOO_LARGE, INVALID_INPUT, INVALID_NAME (as when logging).
        """
        self._set(
            update_version_data(
                self.client, self.id, description=description, metadata=metadata, tags=tags
            )
        )
        return self

    def update_artifact(
        self, *, description: str | None = None, tags: list[str] | None = None
    ) -> ArtifactInfo:
        """Change the description and/or tags of this version's artifact (None: unchanged)."""
        self.artifact = update_artifact_by_id(
            self.client, self.artifact.id, description=description, tags=tags
        )
        return self.artifact

    def delete(self, *, drop_aliases: bool = False) -> None:
        self.client.mutate(
            q.DELETE_VERSION,
            {"input": {"versionId": self.id, "dropAliases": drop_aliases}},
            "deleteArtifactVersion",
        )


def get_artifact(
    path: str, *, as_of: datetime | None = None, client: Client | None = None
) -> ArtifactVersion:
    """The version `org/project/name[:alias|:vN|:sha256]` names (`as_of`, an aware datetime:
    named then, aliases resolved through their history; a version deleted since comes back
    with `state == "DELETED"`); LineageError NOT_FOUND if none."""
    client = client or default_client()
    data = client.execute(q.VERSION_BY_PATH, {"path": path, "asOf": iso(as_of)})["artifactVersion"]
    if data is None:
        raise LineageError("NOT_FOUND", f"no artifact version at {path}")
    return ArtifactVersion(data, client)


def use_artifact(path: str, *, client: Client | None = None) -> ArtifactVersion:
    """The version `path` names, used by the current run if there is one.

    While a run started with `lineage.init` is unfinished (`lineage.current_run()`), this is
    that run's `use_artifact`: it records that the run consumed the version, resolves a
    relative path in the run's project and talks through the run's client. Outside a run it is
    `get_artifact` and records nothing.
    """
    from lineage.run import current_run

    run = current_run()
    if run is not None:
        return run.use_artifact(path)
    return get_artifact(path, client=client)


def _holds(root: Path, file: ArtifactFile) -> bool:
    """Whether `root` holds `file` with the bytes it was logged with."""
    with suppress(LineageError, OSError):
        path = confined(root, file.path)
        if not path.is_file():
            return False
        if file.size is not None and path.stat().st_size != file.size:
            return False
        return file.digest is None or file_digest(path) == file.digest
    return False


def download_files(
    files: Iterable[tuple[Path, ArtifactFile]],
    *,
    total: int,
    workers: int | None = None,
    progress: bool | None = None,
    copy: bool = False,
    cache: BlobCache | None = None,
    description: str = "download",
) -> None:
    """Fetch `(root, file)` pairs in parallel (see `ArtifactVersion.download`; `copy` is
    accepted for compatibility, every file being a copy of its own)."""
    cache = cache or BlobCache()
    count = workers or default_workers()
    bar = Progress(total, description, progress_enabled(progress))
    used: set[str] = set()
    with transfer_client(count) as http, ThreadPoolExecutor(count) as pool:

        def one(root: Path, file: ArtifactFile) -> None:
            try:
                fetch(root, file)
            except (IsADirectoryError, NotADirectoryError, FileExistsError) as error:
                # the folder holds a directory where a file goes, or a file where a directory
                raise LineageError(
                    "INVALID_PATH",
                    f"cannot place {file.path} under {root}: {error.strerror} "
                    f"({error.filename}); move what is in the way, or download elsewhere",
                ) from error

        def fetch(root: Path, file: ArtifactFile) -> None:
            dest = confined(root, file.path)
            if file.ref is not None:
                fetch_reference(
                    {
                        "ref": file.ref,
                        "digest": file.digest,
                        "size": file.size,
                        "etag": file.etag,
                        "versionId": file.version_id,
                    },
                    dest,
                )
                return
            assert file.digest is not None and file.url is not None
            cached = download_blob(http, file.url, file.digest, file.size, cache, bar)
            if place(cached, dest, file.digest):
                return
            # The cache entry no longer matches its digest: drop it and fetch the blob again.
            cache.discard(file.digest)
            bar.update(-(file.size or 0))
            fresh = download_blob(http, file.url, file.digest, file.size, cache, bar)
            if not place(fresh, dest, file.digest):
                raise LineageError(
                    "DIGEST_MISMATCH", f"the cached copy of {file.path} changed while placed"
                )

        futures: list[Future[None]] = []
        try:
            for root, file in files:
                if file.digest and file.ref is None:
                    used.add(file.digest)
                futures.append(pool.submit(one, root, file))
            for future in futures:
                future.result()
        finally:
            for future in futures:
                future.cancel()
            bar.close()
    cache.evict(keep=used)


def download_artifacts(
    versions: list[ArtifactVersion],
    root: str | os.PathLike[str] = "artifacts",
    *,
    client: Client | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    copy: bool = False,
) -> dict[str, Path]:
    """Download many versions, each to `root/<name>-v<N>`, fetching their file lists in a few
    batched requests (not one per version). Returns version id -> folder."""
    client = client or default_client()
    base = Path(root)
    folders = {v.id: base / f"{v.name}-v{v.index}" for v in versions}

    def pairs() -> Iterator[tuple[Path, ArtifactFile]]:
        for start in range(0, len(versions), MANY_VERSIONS):
            chunk = versions[start : start + MANY_VERSIONS]
            first = max(1, min(FILES_PAGE, MANY_FILES_LIMIT // len(chunk)))
            answers = client.execute(q.MANY_FILES, {"ids": [v.id for v in chunk], "first": first})
            for version, answer in zip(chunk, answers["artifactFiles"], strict=True):
                if answer is None:
                    raise LineageError("NOT_FOUND", f"{version.path} no longer exists")
                files = answer["files"]
                for edge in files["edges"]:
                    yield folders[version.id], ArtifactFile.from_data(edge["node"])
                if files["pageInfo"]["hasNextPage"]:
                    rest = _files_after(client, version.id, files["pageInfo"]["endCursor"])
                    for file in rest:
                        yield folders[version.id], file

    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    download_files(
        pairs(),
        total=sum(v.size for v in versions),
        workers=workers,
        progress=progress,
        copy=copy,
        description=f"{len(versions)} versions",
    )
    return folders


def _files_after(client: Client, version_id: str, after: str | None) -> Iterator[ArtifactFile]:
    while True:
        node = client.execute(q.FILES, {"id": version_id, "first": FILES_PAGE, "after": after})
        if node["node"] is None or node["node"].get("files") is None:
            raise LineageError(
                "NOT_FOUND",
                f"Artifact version {version_id!r} not found: deleted (its files went with it), "
                "or not readable with this key",
            )
        files = node["node"]["files"]
        for edge in files["edges"]:
            yield ArtifactFile.from_data(edge["node"])
        if not files["pageInfo"]["hasNextPage"]:
            return
        after = files["pageInfo"]["endCursor"]
