"""Inputs and payloads of the upload flow: draft, entries, blob upload targets, commit."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from api.artifacts.scalars import BigInt
from api.artifacts.types import ArtifactVersion
from api.errors import UserError
from graph.artifacts.manifests import DraftLine, Removal, make_entry, sorted_batch, validate_path
from graph.core.errors import DomainError, InvalidInput, LimitExceeded
from storage.base import UploadTarget

MAX_BATCH_ENTRIES = 20_000
"""Entries one request may carry; send more with `addArtifactDraftEntries`."""


@strawberry.input(
    description="A file of the draft: a blob (`digest`, `size`), a reference (`ref`, and "
    "whatever of `digest`, `size`, `etag`, `versionId` was recorded), or in an incremental "
    "draft `remove: true` to drop the base version's entry at `path`."
)
class ArtifactEntryInput:
    path: str
    digest: str | None = None
    size: BigInt | None = None
    ref: str | None = None
    etag: str | None = None
    version_id: str | None = None
    remove: bool = False


def draft_lines(entries: list[ArtifactEntryInput]) -> list[DraftLine]:
    """Validated lines in canonical order; errors name the offending entry's position."""
    if len(entries) > MAX_BATCH_ENTRIES:
        raise LimitExceeded(
            f"At most {MAX_BATCH_ENTRIES} entries per request; add the rest with "
            "addArtifactDraftEntries",
            field="entries",
        )
    lines: list[DraftLine] = []
    for position, entry in enumerate(entries):
        try:
            if entry.remove:
                if entry.digest is not None or entry.ref is not None or entry.size is not None:
                    raise InvalidInput("A removal carries only a path", field="remove")
                lines.append(Removal(validate_path(entry.path)))
            else:
                lines.append(
                    make_entry(
                        entry.path,
                        entry.digest,
                        entry.size,
                        entry.ref,
                        entry.etag,
                        entry.version_id,
                    )
                )
        except DomainError as error:
            error.message = f"entries[{position}]: {error.message}"
            error.field = f"entries[{position}].{error.field or 'path'}"
            raise
    return sorted_batch(lines)


@strawberry.input
class CreateArtifactDraftInput:
    organization: str
    project: str
    artifact: str
    type: str
    description: str | None = strawberry.field(default=None, description="Of the version.")
    artifact_description: str | None = strawberry.field(
        default=None, description="Of the artifact, when this draft creates it."
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="A JSON object: at most 100 top-level keys and 64 KiB."
    )
    tags: list[str] | None = None
    aliases: list[str] | None = strawberry.field(
        default=None, description="Aliases to point at the committed version."
    )
    entries: list[ArtifactEntryInput] = strawberry.field(default_factory=list)
    base_version: strawberry.ID | None = strawberry.field(
        default=None,
        description="Build on this version of the same artifact: entries add, replace or "
        "remove paths; everything else is kept.",
    )
    ttl_seconds: int | None = strawberry.field(
        default=None,
        description="Expire this many seconds after creation; 0 never; null: the "
        "organisation's default.",
    )
    run_id: str | None = strawberry.field(
        default=None, description="The run producing the version (a PRODUCED edge on commit)."
    )


@strawberry.type
class MultipartUpload:
    upload_id: str
    part_size: BigInt
    part_urls: list[str] = strawberry.field(
        description="PUT part N's bytes to part_urls[N-1]; keep each response's ETag."
    )


@strawberry.type(description="Where to send one blob the store does not hold yet.")
class BlobUpload:
    digest: str
    size: BigInt
    method: str
    url: str | None = strawberry.field(
        description="Single-request upload URL (null for multipart). Send `headers` unchanged; "
        "HTTP 412 means the blob is already stored."
    )
    headers: JSON
    multipart: MultipartUpload | None = strawberry.field(
        description="Upload the parts, then call completeMultipartUpload."
    )

    @classmethod
    def from_target(cls, digest: str, size: int, target: UploadTarget) -> BlobUpload:
        multipart = target.multipart
        return cls(
            digest=digest,
            size=BigInt(size),
            method=target.method,
            url=target.url,
            headers=JSON(dict(target.headers)),
            multipart=None
            if multipart is None
            else MultipartUpload(
                upload_id=multipart.upload_id,
                part_size=BigInt(multipart.part_size),
                part_urls=list(multipart.part_urls),
            ),
        )


@strawberry.type
class CreateArtifactDraftPayload:
    draft_id: strawberry.ID | None = None
    uploads: list[BlobUpload] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddArtifactDraftEntriesInput:
    draft_id: strawberry.ID
    entries: list[ArtifactEntryInput]


@strawberry.type
class AddArtifactDraftEntriesPayload:
    draft_id: strawberry.ID | None = None
    uploads: list[BlobUpload] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UploadedPartInput:
    part_number: int
    etag: str


@strawberry.input
class CompleteMultipartUploadInput:
    draft_id: strawberry.ID
    digest: str
    upload_id: str
    parts: list[UploadedPartInput]


@strawberry.type
class CompleteMultipartUploadPayload:
    digest: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


MAX_CONFIRM = 5000


@strawberry.input
class ConfirmArtifactUploadsInput:
    draft_id: strawberry.ID
    digests: list[str] = strawberry.field(
        description=f"Blobs of the draft uploaded meanwhile (at most {MAX_CONFIRM})."
    )


@strawberry.type
class ConfirmArtifactUploadsPayload:
    confirmed: int = strawberry.field(
        default=0, description="How many of them the store now holds (checked, not trusted)."
    )
    missing: list[str] = strawberry.field(
        default_factory=list, description="Digests the store does not hold: upload them again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AbortMultipartUploadInput:
    draft_id: strawberry.ID
    digest: str
    upload_id: str


@strawberry.type
class AbortMultipartUploadPayload:
    digest: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CommitArtifactDraftInput:
    draft_id: strawberry.ID
    expected_digest: str | None = strawberry.field(
        default=None,
        description="The version digest the client computed; DIGEST_MISMATCH if the server's "
        "manifest differs.",
    )


@strawberry.type
class CommitArtifactDraftPayload:
    version: ArtifactVersion | None = None
    created: bool | None = strawberry.field(
        default=None,
        description="True for a new version; false when equal content was already committed.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DiscardArtifactDraftInput:
    draft_id: strawberry.ID


@strawberry.type
class DiscardArtifactDraftPayload:
    discarded: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
