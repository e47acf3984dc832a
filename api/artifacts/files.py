"""The files of versions as the schema shows them: entries with short-lived download URLs."""

from __future__ import annotations

import strawberry

from api.artifacts.scalars import BigInt
from api.context import Context
from graph.artifacts.records import ManifestLayout
from workflows import files as workflow_files
from workflows.files import FileLink

MAX_FILES_PAGE = 1000
"""Files pages may be larger than other lists: each file is small and downloads want many."""
DEFAULT_FILES_PAGE = 100
MAX_FILES_PER_REQUEST = 20_000
"""Bound on files (with URLs) one `artifactFiles` request returns across all its versions."""


@strawberry.type(description="One file of a version: a stored blob or a reference.")
class ArtifactFile:
    path: str = strawberry.field(description="Relative path inside the artifact, '/'-separated.")
    digest: str | None = strawberry.field(
        description="The sha256 of the bytes (always for stored files; for references if recorded)."
    )
    size: BigInt | None = strawberry.field(
        description="Bytes of the file (always for stored files; for references if recorded)."
    )
    ref: str | None = strawberry.field(
        description="The s3://, file:// or http(s):// location of a reference entry."
    )
    etag: str | None = strawberry.field(description="The reference's ETag when recorded.")
    version_id: str | None = strawberry.field(
        description="The reference object's version id when recorded."
    )
    url: str | None = strawberry.field(
        description="A short-lived GET URL for a stored file; the location itself for an "
        "http(s) reference; null for other references (fetch them from their source)."
    )


def _file(link: FileLink) -> ArtifactFile:
    entry = link.entry
    return ArtifactFile(
        path=entry.path,
        digest=entry.digest,
        size=None if entry.size is None else BigInt(entry.size),
        ref=entry.ref,
        etag=entry.etag,
        version_id=entry.version_id,
        url=link.url,
    )


async def files_page(
    context: Context, layout: ManifestLayout, offset: int, limit: int
) -> list[ArtifactFile]:
    """One page of a version's files, in manifest order."""
    links = await workflow_files.files_page(
        context.blobs, context.workflow_settings, layout, offset, limit
    )
    return [_file(link) for link in links]
