"""Managing committed versions: aliases, deletion, TTL, retention, and an on-demand sweep."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.artifacts.ids import node_id_of
from api.artifacts.types import AliasEvent, Artifact, ArtifactVersion
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.artifacts import aliases, retention, ttl, versions
from graph.artifacts import catalog as artifacts
from graph.artifacts.delete_version import delete_version
from graph.artifacts.records import VersionRecord
from graph.core.errors import NotFound
from graph.core.names import validate_name
from graph.core.refs import parse_artifact_path
from workflows.sweeper import sweep


@strawberry.input(description="An artifact alias to point at a version.")
class SetArtifactAliasInput:
    version_id: strawberry.ID = strawberry.field(
        description="Global id of a committed ArtifactVersion; NOT_FOUND if none."
    )
    alias: str = strawberry.field(
        description="The alias: a name that does not read as `vN` or a digest (INVALID_NAME "
        "otherwise); `latest` is kept by the server (PROTECTED_ALIAS)."
    )


@strawberry.type(description="The result of setArtifactAlias.")
class SetArtifactAliasPayload:
    version: ArtifactVersion | None = strawberry.field(
        default=None, description="The version the alias names now; null on errors."
    )
    event: AliasEvent | None = strawberry.field(
        default=None, description="The add or move recorded; null if it already pointed here."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="An artifact alias to remove.")
class RemoveArtifactAliasInput:
    artifact: str = strawberry.field(description="`organization/project/name`.")
    alias: str = strawberry.field(
        description="The alias; NOT_FOUND if the artifact has none of that name, "
        "PROTECTED_ALIAS for `latest`."
    )


@strawberry.type(description="The result of removeArtifactAlias.")
class RemoveArtifactAliasPayload:
    event: AliasEvent | None = strawberry.field(
        default=None, description="The removal as recorded in the alias history; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="The version to delete.")
class DeleteArtifactVersionInput:
    version_id: strawberry.ID = strawberry.field(
        description="Global id of a committed ArtifactVersion; NOT_FOUND if none."
    )
    drop_aliases: bool = strawberry.field(
        default=False, description="Remove its custom aliases instead of refusing (HAS_ALIASES)."
    )


@strawberry.type(description="The result of deleteArtifactVersion.")
class DeleteArtifactVersionPayload:
    deleted_version_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the deleted version; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(
    description="A version's new TTL; when the organisation restricts TTLs to admins, "
    "others get FORBIDDEN."
)
class SetArtifactVersionTtlInput:
    version_id: strawberry.ID = strawberry.field(
        description="Global id of a committed ArtifactVersion; NOT_FOUND if none."
    )
    ttl_seconds: int | None = strawberry.field(
        description="Seconds from the version's creation, at most 100 years (INVALID_INPUT "
        "beyond); 0 never expires; null inherits the organisation's default."
    )


@strawberry.type(description="The result of setArtifactVersionTtl.")
class SetArtifactVersionTtlPayload:
    version: ArtifactVersion | None = strawberry.field(
        default=None, description="The version with its new `expiresAt`; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="An organisation's TTL policy for artifact versions.")
class TtlPolicy:
    organization: str = strawberry.field(description="The organisation's name.")
    default_ttl_seconds: int | None = strawberry.field(
        description="TTL in seconds given to new versions that do not ask for one; null when "
        "they are kept forever."
    )
    admins_only: bool = strawberry.field(description="Only admins may set or change TTLs.")


@strawberry.input(description="An organisation's new TTL policy (its admins only).")
class SetOrganizationTtlPolicyInput:
    organization: str = strawberry.field(description="The organisation's name.")
    default_ttl_seconds: int | None = strawberry.field(
        description="TTL of new versions without one, at most 100 years; null or 0: keep "
        "forever. Existing versions keep their TTL."
    )
    admins_only: bool = strawberry.field(
        default=False, description="Only organisation admins may set or change TTLs."
    )


@strawberry.type(description="The result of setOrganizationTtlPolicy.")
class SetOrganizationTtlPolicyPayload:
    policy: TtlPolicy | None = strawberry.field(
        default=None, description="The policy as it is now; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="An artifact's new retention policy.")
class SetArtifactRetentionInput:
    artifact: str = strawberry.field(description="`organization/project/name`.")
    keep_last: int | None = strawberry.field(
        description="Keep this many newest versions (and every aliased or linked one), 1 to "
        "1000000; null keeps all. Older ones are deleted now and after each commit."
    )


@strawberry.type(description="The result of setArtifactRetention.")
class SetArtifactRetentionPayload:
    artifact: Artifact | None = strawberry.field(
        default=None, description="The artifact with its new `keepLast`; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="The organisation to sweep (its admins only).")
class SweepArtifactsInput:
    organization: str = strawberry.field(description="The organisation's name.")


@strawberry.type(description="What one sweep did.")
class SweepArtifactsPayload:
    expired_versions: int = strawberry.field(
        default=0, description="Versions of the organisation deleted because their TTL passed."
    )
    expired_drafts: int = strawberry.field(
        default=0, description="Abandoned drafts of the organisation discarded."
    )
    retention_deleted: int = strawberry.field(
        default=0, description="Versions of the organisation deleted by retention policies."
    )
    deleted_blobs: int = strawberry.field(
        default=0,
        description="Blobs no version uses any more, deleted from the store (server-wide, "
        "not only this organisation's).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


async def _version(info: Info[Context, None], version_id: str, action: Action) -> VersionRecord:
    node_id = node_id_of(version_id, "ArtifactVersion", field="versionId")
    [record] = await versions.versions_by_ids(info.context.graph, [node_id])
    if record is None:
        raise NotFound("Version not found", field="versionId")
    await info.context.authorize(action, org=record.org_name)
    return record


async def _ttl_action(info: Info[Context, None], org: str) -> None:
    policy = await ttl.organization_policy(info.context.graph, org)
    if policy is not None and policy.admins_only:
        await info.context.authorize(Action.ADMIN, org=org)


@strawberry.type(description="Mutations of aliases, deletion, TTL and retention.")
class ArtifactManageMutation:
    @strawberry.mutation(description="Point an alias at a version, moving it if needed.")
    @mutation_errors(SetArtifactAliasPayload)
    async def set_artifact_alias(
        self, info: Info[Context, None], input: Input[SetArtifactAliasInput]
    ) -> SetArtifactAliasPayload:
        record = await _version(info, input.version_id, Action.WRITE)
        event = await aliases.set_alias(
            info.context.graph,
            artifact_id=record.artifact_id,
            version_id=record.id,
            alias=input.alias,
            actor=info.context.caller.name,
        )
        return SetArtifactAliasPayload(
            version=ArtifactVersion.from_record(record),
            event=None if event is None else AliasEvent.from_record(event),
        )

    @strawberry.mutation(description="Remove a custom alias of an artifact.")
    @mutation_errors(RemoveArtifactAliasPayload)
    async def remove_artifact_alias(
        self, info: Info[Context, None], input: Input[RemoveArtifactAliasInput]
    ) -> RemoveArtifactAliasPayload:
        key = parse_artifact_path(input.artifact, field="artifact")
        await info.context.authorize(Action.WRITE, org=key.org)
        artifact = await artifacts.require_artifact(info.context.graph, key)
        event = await aliases.remove_alias(
            info.context.graph,
            artifact_id=artifact.id,
            alias=input.alias,
            actor=info.context.caller.name,
        )
        return RemoveArtifactAliasPayload(event=AliasEvent.from_record(event))

    @strawberry.mutation(description="Delete a version; its index is never reused.")
    @mutation_errors(DeleteArtifactVersionPayload)
    async def delete_artifact_version(
        self, info: Info[Context, None], input: Input[DeleteArtifactVersionInput]
    ) -> DeleteArtifactVersionPayload:
        record = await _version(info, input.version_id, Action.WRITE)
        await delete_version(
            info.context.graph,
            record.id,
            actor=info.context.caller.name,
            drop_aliases=input.drop_aliases,
        )
        return DeleteArtifactVersionPayload(deleted_version_id=input.version_id)

    @strawberry.mutation(description="Set or clear a version's TTL.")
    @mutation_errors(SetArtifactVersionTtlPayload)
    async def set_artifact_version_ttl(
        self, info: Info[Context, None], input: Input[SetArtifactVersionTtlInput]
    ) -> SetArtifactVersionTtlPayload:
        record = await _version(info, input.version_id, Action.WRITE)
        await _ttl_action(info, record.org_name)
        updated = await ttl.set_version_ttl(
            info.context.graph, record.id, input.ttl_seconds, actor=info.context.caller.name
        )
        return SetArtifactVersionTtlPayload(version=ArtifactVersion.from_record(updated))

    @strawberry.mutation(description="Set an organisation's default TTL and who may set TTLs.")
    @mutation_errors(SetOrganizationTtlPolicyPayload)
    async def set_organization_ttl_policy(
        self, info: Info[Context, None], input: Input[SetOrganizationTtlPolicyInput]
    ) -> SetOrganizationTtlPolicyPayload:
        validate_name(input.organization, field="organization")
        await info.context.authorize(Action.ADMIN, org=input.organization)
        policy = await ttl.set_organization_policy(
            info.context.graph,
            input.organization,
            ttl.TtlPolicy(input.default_ttl_seconds, input.admins_only),
            actor=info.context.caller.name,
        )
        return SetOrganizationTtlPolicyPayload(
            policy=TtlPolicy(
                organization=input.organization,
                default_ttl_seconds=policy.default_ttl_seconds,
                admins_only=policy.admins_only,
            )
        )

    @strawberry.mutation(
        description="Keep only the last N versions of an artifact (aliased ones are always kept)."
    )
    @mutation_errors(SetArtifactRetentionPayload)
    async def set_artifact_retention(
        self, info: Info[Context, None], input: Input[SetArtifactRetentionInput]
    ) -> SetArtifactRetentionPayload:
        key = parse_artifact_path(input.artifact, field="artifact")
        await info.context.authorize(Action.WRITE, org=key.org)
        record = await retention.set_retention(
            info.context.graph, key, input.keep_last, actor=info.context.caller.name
        )
        return SetArtifactRetentionPayload(artifact=Artifact.from_record(record))

    @strawberry.mutation(
        description="Admin: expire versions and drafts of the organisation, apply retention, "
        "and collect unused blobs now (the background sweeper does this periodically)."
    )
    @mutation_errors(SweepArtifactsPayload)
    async def sweep_artifacts(
        self, info: Info[Context, None], input: Input[SweepArtifactsInput]
    ) -> SweepArtifactsPayload:
        validate_name(input.organization, field="organization")
        await info.context.authorize(Action.ADMIN, org=input.organization)
        report = await sweep(info.context.graph, info.context.blobs, org=input.organization)
        return SweepArtifactsPayload(
            expired_versions=report.expired_versions,
            expired_drafts=report.expired_drafts,
            retention_deleted=report.retention_deleted,
            deleted_blobs=report.deleted_blobs,
        )


async def ttl_policy(info: Info[Context, None], organization: str) -> TtlPolicy | None:
    await info.context.authorize(Action.READ, org=organization)
    policy = await ttl.organization_policy(info.context.graph, organization)
    if policy is None:
        return None
    return TtlPolicy(
        organization=organization,
        default_ttl_seconds=policy.default_ttl_seconds,
        admins_only=policy.admins_only,
    )
