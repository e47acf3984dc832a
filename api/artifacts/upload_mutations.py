"""The upload flow: create a draft with its entries, upload blobs to signed URLs, commit.

Bytes never pass through GraphQL. A draft answers which blobs it must upload, each with an upload
target; the client uploads them in parallel (completing multipart uploads here), then commits.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.artifacts.ids import node_id_of
from api.artifacts.types import ArtifactVersion
from api.artifacts.upload_types import (
    MAX_CONFIRM,
    AbortMultipartUploadInput,
    AbortMultipartUploadPayload,
    AddArtifactDraftEntriesInput,
    AddArtifactDraftEntriesPayload,
    BlobUpload,
    CommitArtifactDraftInput,
    CommitArtifactDraftPayload,
    CompleteMultipartUploadInput,
    CompleteMultipartUploadPayload,
    ConfirmArtifactUploadsInput,
    ConfirmArtifactUploadsPayload,
    CreateArtifactDraftInput,
    CreateArtifactDraftPayload,
    DiscardArtifactDraftInput,
    DiscardArtifactDraftPayload,
    draft_lines,
)
from api.authz import Action
from api.context import Context
from api.errors import Input, mutation_errors
from api.lineage.run_refs import resolve_run
from graph.artifacts import blobs as artifact_blobs
from graph.artifacts import catalog as artifacts
from graph.artifacts import drafts, ttl, versions
from graph.artifacts.fields import (
    encode_metadata,
    validate_description,
    validate_ttl,
    validate_type,
)
from graph.artifacts.manifests import DraftLine, Removal, validate_digest
from graph.core.errors import InvalidInput, LimitExceeded, NotFound, ProtectedAlias
from graph.core.names import validate_name
from graph.core.refs import ArtifactKey
from graph.core.validation import is_latest, validate_alias, validate_tags
from workflows import commit as workflow_commit
from workflows import uploads as workflow_uploads
from workflows.uploads import BlobTarget
from workflows.verification import confirm_uploads


def _aliases(aliases: list[str] | None) -> list[str]:
    names = list(dict.fromkeys(validate_alias(alias) for alias in aliases or []))
    if any(is_latest(name) for name in names):
        raise ProtectedAlias("'latest' always names the newest version", field="aliases")
    return names


async def _draft_spec(
    info: Info[Context, None], data: CreateArtifactDraftInput
) -> drafts.DraftSpec:
    """Validate everything about the draft before anything is written."""
    validate_name(data.organization, field="organization")
    validate_name(data.project, field="project")
    validate_name(data.artifact, field="artifact")
    context = info.context
    await context.authorize(Action.WRITE, org=data.organization)
    ttl_seconds = validate_ttl(data.ttl_seconds)
    if ttl_seconds is not None:
        policy = await ttl.organization_policy(context.graph, data.organization)
        if policy is not None and policy.admins_only:
            await context.authorize(Action.ADMIN, org=data.organization)
    key = ArtifactKey(data.organization, data.project, data.artifact)
    type_ = validate_type(data.type)
    await artifacts.check_type(context.graph, key, type_)
    base_version_id = None
    if data.base_version is not None:
        base_version_id = node_id_of(data.base_version, "ArtifactVersion", field="baseVersion")
        [base] = await versions.versions_by_ids(context.graph, [base_version_id])
        if base is None:
            raise NotFound("Base version not found", field="baseVersion")
        if (base.org_name, base.project_name, base.artifact_name) != (
            key.org,
            key.project,
            key.name,
        ):
            raise InvalidInput("The base version belongs to another artifact", field="baseVersion")
    run_id = None
    if data.run_id is not None:
        run = await resolve_run(
            context, data.run_id, Action.WRITE, field="runId", org=data.organization
        )
        run_id = run.id
    return drafts.DraftSpec(
        org=key.org,
        project=key.project,
        name=key.name,
        type=type_,
        artifact_description=validate_description(data.artifact_description),
        description=validate_description(data.description),
        metadata=encode_metadata(data.metadata),
        tags=validate_tags(data.tags),
        aliases=_aliases(data.aliases),
        ttl_seconds=ttl_seconds,
        run_id=run_id,
        base_version_id=base_version_id,
        actor=context.caller.name,
    )


def _check_removals(lines: list[DraftLine], base_version_id: str | None) -> None:
    if base_version_id is None:
        for line in lines:
            if isinstance(line, Removal):
                raise InvalidInput(
                    f"Removing {line.path[:200]!r} needs a base version", field="baseVersion"
                )


def _blob_uploads(targets: list[BlobTarget]) -> list[BlobUpload]:
    return [BlobUpload.from_target(t.digest, t.size, t.target) for t in targets]


async def _pending_draft(info: Info[Context, None], draft_id: str) -> drafts.DraftRecord:
    draft = await drafts.require_draft(info.context.graph, draft_id)
    await info.context.authorize(Action.WRITE, org=draft.org)
    return draft


@strawberry.type(description="Mutations of the upload flow: drafts, blob uploads, commit.")
class ArtifactUploadMutation:
    @strawberry.mutation(
        description="Start a version: validate its entries and answer upload targets for the "
        "blobs its organisation does not hold yet (the same answer whether or not another "
        "organisation stored them). Nothing is visible until commitArtifactDraft."
    )
    @mutation_errors(CreateArtifactDraftPayload)
    async def create_artifact_draft(
        self, info: Info[Context, None], input: Input[CreateArtifactDraftInput]
    ) -> CreateArtifactDraftPayload:
        lines = draft_lines(input.entries)
        spec = await _draft_spec(info, input)
        _check_removals(lines, spec.base_version_id)
        context = info.context
        draft_id, targets = await workflow_uploads.start_draft(
            context.graph, context.blobs, context.workflow_settings, spec, lines
        )
        return CreateArtifactDraftPayload(
            draft_id=strawberry.ID(draft_id), uploads=_blob_uploads(targets)
        )

    @strawberry.mutation(
        description="Add more entries to a draft; each batch must follow the previous one in "
        "path order ('/' before other characters)."
    )
    @mutation_errors(AddArtifactDraftEntriesPayload)
    async def add_artifact_draft_entries(
        self, info: Info[Context, None], input: Input[AddArtifactDraftEntriesInput]
    ) -> AddArtifactDraftEntriesPayload:
        lines = draft_lines(input.entries)
        draft = await _pending_draft(info, input.draft_id)
        _check_removals(lines, draft.base_version_id)
        context = info.context
        targets = await workflow_uploads.add_entries(
            context.graph, context.blobs, context.workflow_settings, input.draft_id, lines
        )
        return AddArtifactDraftEntriesPayload(
            draft_id=input.draft_id, uploads=_blob_uploads(targets)
        )

    @strawberry.mutation(
        description="Finish a multipart upload of one of the draft's blobs; the store checks "
        "the sha256 (DIGEST_MISMATCH deletes the bytes)."
    )
    @mutation_errors(CompleteMultipartUploadPayload)
    async def complete_multipart_upload(
        self, info: Info[Context, None], input: Input[CompleteMultipartUploadInput]
    ) -> CompleteMultipartUploadPayload:
        validate_digest(input.digest)
        await _draft_blob(info, input.draft_id, input.digest)
        parts = [(part.part_number, part.etag) for part in input.parts]
        await workflow_uploads.complete_multipart(
            info.context.graph,
            info.context.blobs,
            input.draft_id,
            input.digest,
            input.upload_id,
            parts,
        )
        return CompleteMultipartUploadPayload(digest=input.digest)

    @strawberry.mutation(
        description="Have the server check uploaded blobs now, while other uploads still run, "
        "so the commit has less to check. Optional: the commit checks whatever is left."
    )
    @mutation_errors(ConfirmArtifactUploadsPayload)
    async def confirm_artifact_uploads(
        self, info: Info[Context, None], input: Input[ConfirmArtifactUploadsInput]
    ) -> ConfirmArtifactUploadsPayload:
        if len(input.digests) > MAX_CONFIRM:
            raise LimitExceeded(f"At most {MAX_CONFIRM} digests per request", field="digests")
        for digest in input.digests:
            validate_digest(digest, field="digests")
        await _pending_draft(info, input.draft_id)
        confirmed, missing = await confirm_uploads(
            info.context.graph, info.context.blobs, input.draft_id, input.digests
        )
        return ConfirmArtifactUploadsPayload(confirmed=confirmed, missing=missing)

    @strawberry.mutation(description="Discard the parts of an unfinished multipart upload.")
    @mutation_errors(AbortMultipartUploadPayload)
    async def abort_multipart_upload(
        self, info: Info[Context, None], input: Input[AbortMultipartUploadInput]
    ) -> AbortMultipartUploadPayload:
        validate_digest(input.digest)
        await _draft_blob(info, input.draft_id, input.digest)
        await workflow_uploads.abort_multipart(
            info.context.blobs, input.draft_id, input.digest, input.upload_id
        )
        return AbortMultipartUploadPayload(digest=input.digest)

    @strawberry.mutation(
        description="Verify the draft's blobs and create the next version, or return the "
        "committed version with the same content (created: false)."
    )
    @mutation_errors(CommitArtifactDraftPayload)
    async def commit_artifact_draft(
        self, info: Info[Context, None], input: Input[CommitArtifactDraftInput]
    ) -> CommitArtifactDraftPayload:
        if input.expected_digest is not None:
            validate_digest(input.expected_digest, field="expectedDigest")
        draft = await _pending_draft(info, input.draft_id)
        context = info.context
        result = await workflow_commit.commit(
            context.graph, context.blobs, draft, input.expected_digest, actor=context.caller.name
        )
        return CommitArtifactDraftPayload(
            version=ArtifactVersion.from_record(result.version), created=result.created
        )

    @strawberry.mutation(
        description="Delete a pending draft and the uploads it never had checked; its blobs "
        "become collectable."
    )
    @mutation_errors(DiscardArtifactDraftPayload)
    async def discard_artifact_draft(
        self, info: Info[Context, None], input: Input[DiscardArtifactDraftInput]
    ) -> DiscardArtifactDraftPayload:
        await _pending_draft(info, input.draft_id)
        deleted = await workflow_uploads.discard_draft(
            info.context.graph, info.context.blobs, input.draft_id
        )
        return DiscardArtifactDraftPayload(discarded=deleted)


async def _draft_blob(info: Info[Context, None], draft_id: str, digest: str) -> None:
    found = await artifact_blobs.draft_blob(info.context.graph, draft_id, digest)
    if found is None:
        raise NotFound("No pending draft holds that blob", field="digest")
    await info.context.authorize(Action.WRITE, org=found[0])
