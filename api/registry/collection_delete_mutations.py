"""Deleting a collection: needs `ADMIN` on its registry, like the other registry admin changes.

The linked versions themselves are never deleted: with `unlinkVersions` they are unlinked (and
become deletable in their projects again); without it a collection that still holds versions is
refused with HAS_LINKED_VERSIONS.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.artifacts.ids import global_id, node_id_of
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.core.errors import InvalidInput, NotFound
from graph.core.refs import RegistryPath, Selector, parse_registry_path
from graph.registry import collections
from graph.registry.delete_collection import delete_collection

COLLECTION_TYPE = "Collection"


@strawberry.input(description="Give exactly one of path and id.")
class DeleteCollectionInput:
    path: str | None = strawberry.field(
        default=None, description="`org/registry-name/collection` (no `:vN` or `:alias`)."
    )
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the Collection."
    )
    unlink_versions: bool = strawberry.field(
        default=False,
        description="Unlink every linked version instead of refusing (HAS_LINKED_VERSIONS); "
        "the versions stay in their projects.",
    )


@strawberry.type(description="The result of deleteCollection.")
class DeleteCollectionPayload:
    deleted_collection_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id the collection had; null on errors."
    )
    path: str | None = strawberry.field(default=None, description="The path it had.")
    unlinked_versions: int = strawberry.field(
        default=0, description="How many versions were unlinked."
    )
    removed_aliases: list[str] = strawberry.field(
        default_factory=list, description="The collection aliases that were deleted with it."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


async def _target(
    info: Info[Context, None], input: DeleteCollectionInput
) -> tuple[RegistryPath, str | None]:
    """The collection's path, and its id when the caller named it by id."""
    if (input.path is None) == (input.id is None):
        raise InvalidInput("Give exactly one of path and id", field="path")
    if input.path is not None:
        return parse_registry_path(input.path, selector=Selector.FORBIDDEN), None
    assert input.id is not None
    collection_id = node_id_of(input.id, COLLECTION_TYPE, field="id")
    [record] = await collections.collections_by_ids(info.context.graph, [collection_id])
    if record is None:
        raise NotFound("Collection not found", field="id")
    return RegistryPath(record.org_name, record.registry_name, record.name), collection_id


@strawberry.type(description="Deleting a collection.")
class CollectionDeleteMutation:
    @strawberry.mutation(
        description="Delete a collection with its aliases and alias history (registry admins). "
        "HAS_LINKED_VERSIONS while versions are linked, unless unlinkVersions; the versions "
        "themselves are never deleted."
    )
    @mutation_errors(DeleteCollectionPayload)
    async def delete_collection(
        self, info: Info[Context, None], input: Input[DeleteCollectionInput]
    ) -> DeleteCollectionPayload:
        path, expected_id = await _target(info, input)
        try:
            await info.context.authorize(
                Action.ADMIN, org=path.org, registry=path.registry, registry_field="path"
            )
        except NotFound:
            if expected_id is None:
                raise
            raise NotFound("Collection not found", field="id") from None  # as an unknown id
        deleted = await delete_collection(
            info.context.graph,
            path,
            expected_id=expected_id,
            unlink_versions=input.unlink_versions,
            actor=info.context.caller.name,
        )
        return DeleteCollectionPayload(
            deleted_collection_id=strawberry.ID(global_id(COLLECTION_TYPE, deleted.collection_id)),
            path=deleted.path,
            unlinked_versions=deleted.unlinked_versions,
            removed_aliases=list(deleted.removed_aliases),
        )
