"""Inputs and payloads of the upload flow: draft, entries, blob upload targets, commit."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from api.artifacts.scalars import BigInt
from api.artifacts.types import ArtifactVersion
from api.errors import ERRORS, UserError
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
    path: str = strawberry.field(
        description="Relative path inside the artifact, '/'-separated, normalised (no `.`, "
        "`..` or empty segments), at most 1024 characters; INVALID_PATH otherwise."
    )
    digest: str | None = strawberry.field(
        default=None,
        description="The sha256 of the bytes, 64 lowercase hex characters: required for a blob, "
        "optional for a reference.",
    )
    size: BigInt | None = strawberry.field(
        default=None,
        description="Bytes of the file: required for a blob (at most 5 TiB), optional for a "
        "reference.",
    )
    ref: str | None = strawberry.field(
        default=None,
        description="The s3://, file:// or http(s):// location of a reference entry (at most "
        "4096 characters); null for a blob.",
    )
    etag: str | None = strawberry.field(
        default=None, description="A reference's ETag, if known (references only)."
    )
    version_id: str | None = strawberry.field(
        default=None, description="A reference's object version id, if known (references only)."
    )
    remove: bool = strawberry.field(
        default=False,
        description="Drop the base version's entry at `path` (drafts with a `baseVersion` "
        "only); such an entry carries nothing but `path`.",
    )


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


@strawberry.input(
    description="A new draft of the next version of an artifact; the project, organisation and "
    "artifact are created on commit if they do not exist. A draft not committed within 24 hours "
    "is discarded."
)
class CreateArtifactDraftInput:
    organization: str = strawberry.field(description="The organisation's name.")
    project: str = strawberry.field(description="The project's name.")
    artifact: str = strawberry.field(
        description="The artifact's name: 1-128 letters, digits, `_`, `-` or `.`."
    )
    type: str = strawberry.field(
        description="The artifact's type, e.g. `dataset` or `model`; must equal the existing "
        "artifact's type (CONFLICT otherwise)."
    )
    description: str | None = strawberry.field(default=None, description="Of the version.")
    artifact_description: str | None = strawberry.field(
        default=None, description="Of the artifact, when this draft creates it."
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="A JSON object: at most 100 top-level keys and 64 KiB."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags of the version (at most 64, each up to 64 characters)."
    )
    aliases: list[str] | None = strawberry.field(
        default=None, description="Aliases to point at the committed version."
    )
    entries: list[ArtifactEntryInput] = strawberry.field(
        default_factory=list,
        description=f"The first files, at most {MAX_BATCH_ENTRIES} (LIMIT_EXCEEDED beyond; add "
        "more with addArtifactDraftEntries).",
    )
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
    run_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The run producing the version: its global id (`Run.id`, as "
        "`ArtifactVersion.producedBy` shows it; its stored id or the id chosen at createRun is "
        "taken too); a PRODUCED edge is recorded on commit. NOT_FOUND when the organisation has "
        "no such run.",
    )


@strawberry.type(
    description="A blob too big for one request: upload it in parts, then call "
    "completeMultipartUpload (or abortMultipartUpload)."
)
class MultipartUpload:
    upload_id: str = strawberry.field(
        description="The store's id of this upload; pass it to completeMultipartUpload."
    )
    part_size: BigInt = strawberry.field(
        description="Bytes of every part but the last, which holds the rest."
    )
    part_urls: list[str] = strawberry.field(
        description="PUT part N's bytes to part_urls[N-1]; keep each response's ETag."
    )


@strawberry.type(
    description="Where to send one blob the draft must upload: every blob its organisation "
    "does not hold yet, whoever else may have stored the same bytes."
)
class BlobUpload:
    digest: str = strawberry.field(description="The sha256 of the blob to upload.")
    size: BigInt = strawberry.field(description="Its size in bytes, as declared in the entry.")
    method: str = strawberry.field(description="The HTTP method for `url` and part URLs: `PUT`.")
    url: str | None = strawberry.field(
        description="Single-request upload URL (null for multipart). Send `headers` unchanged; "
        "HTTP 412 means this draft already uploaded it."
    )
    headers: JSON = strawberry.field(
        description="A JSON object of HTTP headers to send with the upload, unchanged (they are "
        "signed)."
    )
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


UPLOADS = (
    "Where to upload the blobs of these entries the organisation does not hold yet; empty when "
    "it holds them all. The URLs are short-lived."
)


@strawberry.type(description="The result of createArtifactDraft.")
class CreateArtifactDraftPayload:
    draft_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The new draft's id, for the draft mutations that follow (a draft is not an "
        "object: `node(id:)` does not find it; the committed version has its own id); null on "
        "errors.",
    )
    uploads: list[BlobUpload] = strawberry.field(default_factory=list, description=UPLOADS)
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="More entries of a draft.")
class AddArtifactDraftEntriesInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )
    entries: list[ArtifactEntryInput] = strawberry.field(
        description=f"At most {MAX_BATCH_ENTRIES} entries, all after the previous batch's last "
        "path (INVALID_PATH otherwise)."
    )


@strawberry.type(description="The result of addArtifactDraftEntries.")
class AddArtifactDraftEntriesPayload:
    draft_id: strawberry.ID | None = strawberry.field(
        default=None, description="The draft's id; null on errors."
    )
    uploads: list[BlobUpload] = strawberry.field(default_factory=list, description=UPLOADS)
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="One uploaded part of a multipart upload.")
class UploadedPartInput:
    part_number: int = strawberry.field(
        description="N of `partUrls[N-1]`: 1 for the first part, at most 10000."
    )
    etag: str = strawberry.field(description="The ETag header the part's PUT answered.")


@strawberry.input(description="A multipart upload whose parts are all uploaded.")
class CompleteMultipartUploadInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )
    digest: str = strawberry.field(description="The sha256 of the whole blob.")
    upload_id: str = strawberry.field(description="`MultipartUpload.uploadId`.")
    parts: list[UploadedPartInput] = strawberry.field(description="Every part, in any order.")


@strawberry.type(description="The result of completeMultipartUpload.")
class CompleteMultipartUploadPayload:
    digest: str | None = strawberry.field(
        default=None, description="The blob now stored; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


MAX_CONFIRM = 5000


@strawberry.input(description="Blobs of a draft to check in the store now.")
class ConfirmArtifactUploadsInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )
    digests: list[str] = strawberry.field(
        description=f"Blobs of the draft uploaded meanwhile (at most {MAX_CONFIRM})."
    )


@strawberry.type(description="The result of confirmArtifactUploads.")
class ConfirmArtifactUploadsPayload:
    confirmed: int = strawberry.field(
        default=0,
        description="How many of them are now verified: held by the organisation, or uploaded "
        "by this draft (checked in the store, not trusted).",
    )
    missing: list[str] = strawberry.field(
        default_factory=list,
        description="Digests this draft has not uploaded yet: upload them (again).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A multipart upload to give up.")
class AbortMultipartUploadInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )
    digest: str = strawberry.field(description="The sha256 of the blob that was being uploaded.")
    upload_id: str = strawberry.field(description="`MultipartUpload.uploadId`.")


@strawberry.type(description="The result of abortMultipartUpload.")
class AbortMultipartUploadPayload:
    digest: str | None = strawberry.field(
        default=None, description="The blob whose upload was aborted; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A draft to commit as the next version.")
class CommitArtifactDraftInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )
    expected_digest: str | None = strawberry.field(
        default=None,
        description="The version digest the client computed; DIGEST_MISMATCH if the server's "
        "manifest differs.",
    )


@strawberry.type(description="The result of commitArtifactDraft.")
class CommitArtifactDraftPayload:
    version: ArtifactVersion | None = strawberry.field(
        default=None,
        description="The new version, or the existing one with the same content; null on "
        "errors (MISSING_BLOB, SIZE_MISMATCH, DIGEST_MISMATCH: upload and commit again).",
    )
    created: bool | None = strawberry.field(
        default=None,
        description="True for a new version; false when equal content was already committed.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A draft to throw away.")
class DiscardArtifactDraftInput:
    draft_id: strawberry.ID = strawberry.field(
        description="The draft's id, as createArtifactDraft returned it; NOT_FOUND when it was "
        "committed, discarded or expired."
    )


@strawberry.type(description="The result of discardArtifactDraft.")
class DiscardArtifactDraftPayload:
    discarded: bool = strawberry.field(
        default=False,
        description="True when the draft was deleted; false when it was committed or "
        "discarded meanwhile.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)
