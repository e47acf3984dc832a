"""Deleting a whole artifact: needs `WRITE` in its organisation, like deleting one version.

Every committed version becomes a tombstone exactly as `deleteArtifactVersion` makes one (its
index and lineage edges kept, its blobs left to garbage collection); drafts, aliases, alias
history and the artifact itself go. See `graph/artifacts/delete_artifact.py`.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.artifacts.ids import global_id, node_id_of
from api.authz import Action, decide
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.artifacts import catalog as artifacts
from graph.artifacts.delete_artifact import delete_artifact
from graph.core.errors import InvalidInput, NotFound
from graph.core.refs import parse_artifact_path


@strawberry.input(description="Give exactly one of id and path.")
class DeleteArtifactInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the Artifact."
    )
    path: str | None = strawberry.field(
        default=None, description="`organization/project/name` (no `:selector`)."
    )
    delete_aliases: bool = strawberry.field(
        default=False,
        description="Remove the versions' custom aliases instead of refusing (HAS_ALIASES); "
        "`latest` never blocks.",
    )


@strawberry.type(description="The result of deleteArtifact.")
class DeleteArtifactPayload:
    deleted_artifact_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id the artifact had; null on errors."
    )
    path: str | None = strawberry.field(default=None, description="The path it had.")
    deleted_versions: int = strawberry.field(
        default=0, description="How many committed versions were deleted."
    )
    discarded_drafts: int = strawberry.field(
        default=0, description="How many pending drafts of it were discarded."
    )
    removed_aliases: list[str] = strawberry.field(
        default_factory=list, description="Custom aliases dropped, as `vN:alias`."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


async def _artifact_id(info: Info[Context, None], input: DeleteArtifactInput) -> str:
    """The artifact's node id, once the caller may write in its organisation."""
    if (input.id is None) == (input.path is None):
        raise InvalidInput("Give exactly one of id and path", field="id")
    if input.path is not None:
        key = parse_artifact_path(input.path, field="path")
        # A deletion never creates (claims) a missing organisation: NOT_FOUND instead.
        await decide(info.context.caller, Action.WRITE, org=key.org, creates=False)
        found = await artifacts.artifact_by_key(info.context.graph, key)
        if found is None:
            raise NotFound(f"Artifact {key} not found", field="path")
        return found.id
    assert input.id is not None
    artifact_id = node_id_of(input.id, "Artifact", field="id")
    [record] = await artifacts.artifacts_by_ids(info.context.graph, [artifact_id])
    if record is None:
        raise NotFound("Artifact not found", field="id")
    await info.context.authorize(Action.WRITE, org=record.org_name)
    return artifact_id


@strawberry.type(description="Deleting a whole artifact.")
class ArtifactDeleteMutation:
    @strawberry.mutation(
        description="Delete an artifact: every version (as deleteArtifactVersion does), its "
        "pending drafts, aliases and alias history. HAS_LINKED_VERSIONS while a version is "
        "linked in a registry; HAS_ALIASES for custom aliases unless deleteAliases. The name "
        "becomes free; blobs no other version uses are collected later."
    )
    @mutation_errors(DeleteArtifactPayload)
    async def delete_artifact(
        self, info: Info[Context, None], input: Input[DeleteArtifactInput]
    ) -> DeleteArtifactPayload:
        artifact_id = await _artifact_id(info, input)
        deleted = await delete_artifact(
            info.context.graph,
            artifact_id,
            actor=info.context.caller.name,
            drop_aliases=input.delete_aliases,
        )
        return DeleteArtifactPayload(
            deleted_artifact_id=strawberry.ID(global_id("Artifact", deleted.artifact_id)),
            path=deleted.path,
            deleted_versions=deleted.deleted_versions,
            discarded_drafts=deleted.discarded_drafts,
            removed_aliases=list(deleted.removed_aliases),
        )
