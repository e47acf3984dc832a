"""Editing the descriptive fields of committed versions and of artifacts (never their content).

Both need `WRITE` in the organisation of the project. Null or absent fields stay as they are;
`""`, `{}` and `[]` clear them. Validation is the one creation uses (same limits, same codes).
"""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts.ids import node_id_of
from api.artifacts.types import Artifact, ArtifactVersion
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.artifacts import catalog as artifacts
from graph.artifacts import updates as artifact_updates
from graph.artifacts import versions
from graph.core.errors import NotFound


@strawberry.input(description="Null or absent fields stay as they are; '', {} and [] clear them.")
class UpdateArtifactVersionInput:
    id: strawberry.ID = strawberry.field(description="Global id of a committed ArtifactVersion.")
    description: str | None = strawberry.field(
        default=None, description="New description, up to 16384 characters; '' clears it."
    )
    metadata: JSON | None = strawberry.field(
        default=None,
        description="Replaces the whole map: a JSON object, at most 100 top-level keys and "
        "64 KiB (METADATA_TOO_LARGE beyond).",
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Replaces the tags: distinct names, at most 64."
    )


@strawberry.type(description="The result of updateArtifactVersion.")
class UpdateArtifactVersionPayload:
    version: ArtifactVersion | None = strawberry.field(
        default=None, description="The version as it is now; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="Null or absent fields stay as they are; '' and [] clear them.")
class UpdateArtifactInput:
    id: strawberry.ID = strawberry.field(description="Global id of an Artifact.")
    description: str | None = strawberry.field(
        default=None, description="New description, up to 16384 characters; '' clears it."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Replaces the tags: distinct names, at most 64."
    )


@strawberry.type(description="The result of updateArtifact.")
class UpdateArtifactPayload:
    artifact: Artifact | None = strawberry.field(
        default=None, description="The artifact as it is now; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Mutations of descriptive fields of artifacts and versions.")
class ArtifactUpdateMutation:
    @strawberry.mutation(
        description="Change a committed version's description, metadata and/or tags; its files "
        "and digest never change. Atomic; an update that changes nothing records nothing."
    )
    @mutation_errors(UpdateArtifactVersionPayload)
    async def update_artifact_version(
        self, info: Info[Context, None], input: Input[UpdateArtifactVersionInput]
    ) -> UpdateArtifactVersionPayload:
        version_id = node_id_of(input.id, "ArtifactVersion", field="id")
        [record] = await versions.versions_by_ids(info.context.graph, [version_id])
        if record is None:
            raise NotFound("Version not found", field="id")
        await info.context.authorize(Action.WRITE, org=record.org_name)
        changes = artifact_updates.version_changes(
            description=input.description, metadata=input.metadata, tags=input.tags
        )
        updated = await artifact_updates.update_version(
            info.context.graph, version_id, changes, actor=info.context.caller.name
        )
        return UpdateArtifactVersionPayload(version=ArtifactVersion.from_record(updated))

    @strawberry.mutation(description="Change an artifact's description and/or tags.")
    @mutation_errors(UpdateArtifactPayload)
    async def update_artifact(
        self, info: Info[Context, None], input: Input[UpdateArtifactInput]
    ) -> UpdateArtifactPayload:
        artifact_id = node_id_of(input.id, "Artifact", field="id")
        [record] = await artifacts.artifacts_by_ids(info.context.graph, [artifact_id])
        if record is None:
            raise NotFound("Artifact not found", field="id")
        await info.context.authorize(Action.WRITE, org=record.org_name)
        updated = await artifact_updates.update_artifact(
            info.context.graph,
            artifact_id,
            description=input.description,
            tags=input.tags,
            actor=info.context.caller.name,
        )
        return UpdateArtifactPayload(artifact=Artifact.from_record(updated))
