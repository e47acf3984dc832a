"""Deleting a custom registry: needs `ADMIN` on it, like the other registry admin changes.

Only an empty registry goes (HAS_COLLECTIONS otherwise: delete its collections first); the core
registries are refused (CORE_REGISTRY). Its role grants go with it and its name is free again.
See `graph/registry/delete_registry.py`.
"""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.authz import Action, decide
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.core.names import validate_name
from graph.registry.delete_registry import delete_registry

REGISTRY_TYPE = "Registry"


@strawberry.input(description="The custom registry to delete.")
class DeleteRegistryInput:
    organization: str = strawberry.field(description="The organisation's name.")
    name: str = strawberry.field(description="A custom registry (not `model` or `dataset`).")


@strawberry.type(description="The result of deleteRegistry.")
class DeleteRegistryPayload:
    deleted_registry_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id the registry had; null on errors."
    )
    removed_roles: list[str] = strawberry.field(
        default_factory=list, description="Users whose role in the registry was removed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Deleting a custom registry.")
class RegistryDeleteMutation:
    @strawberry.mutation(
        description="Delete an empty custom registry and its role grants (registry admins). "
        "HAS_COLLECTIONS while it holds collections; CORE_REGISTRY for model and dataset."
    )
    @mutation_errors(DeleteRegistryPayload)
    async def delete_registry(
        self, info: Info[Context, None], input: Input[DeleteRegistryInput]
    ) -> DeleteRegistryPayload:
        validate_name(input.organization, field="organization")
        validate_name(input.name, field="name")
        # A deletion never creates (claims) a missing organisation: NOT_FOUND instead.
        await decide(
            info.context.caller,
            Action.ADMIN,
            org=input.organization,
            registry=input.name,
            creates=False,
            registry_field="name",
        )
        deleted = await delete_registry(
            info.context.graph, input.organization, input.name, actor=info.context.caller.name
        )
        return DeleteRegistryPayload(
            deleted_registry_id=strawberry.ID(
                str(relay.GlobalID(REGISTRY_TYPE, deleted.registry_id))
            ),
            removed_roles=list(deleted.removed_roles),
        )
