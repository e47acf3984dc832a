"""Mutations that shape registries: create and change registries, their roles, collections.

Creating a registry needs `ADMIN` in the organisation; changing one or its roles needs `ADMIN`
on that registry; creating and describing collections needs `WRITE` on the registry.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.access.types import Role
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.registry.types import Collection, Registry, RegistryRoleGrant, RegistryVisibility
from graph.registry import admin as registry_admin
from graph.registry import collections, registries
from graph.registry import roles as registry_roles
from graph.registry.records import RegistryRole, Visibility


@strawberry.input(
    description="A new custom registry (at most 1000 per organisation: LIMIT_EXCEEDED beyond)."
)
class CreateRegistryInput:
    organization: str = strawberry.field(description="The organisation's name.")
    name: str = strawberry.field(
        description="Unique in the organisation and never changed: 1-128 letters, digits, `_`, "
        "`-` or `.` (INVALID_NAME otherwise; ALREADY_EXISTS if taken)."
    )
    description: str = strawberry.field(default="", description="Free text, up to 4096 characters.")
    accepted_types: list[str] = strawberry.field(
        default_factory=list,
        description="Artifact types linkable here (at most 100); or acceptsAnyType.",
    )
    accepts_any_type: bool = strawberry.field(
        default=False, description="Accept versions of every artifact type."
    )
    visibility: RegistryVisibility = strawberry.field(
        default=RegistryVisibility.ORGANIZATION, description="Who sees the registry."
    )
    protected_aliases: list[str] = strawberry.field(
        default_factory=list,
        description="Collection aliases only registry admins may set, move or remove (at most 50).",
    )


@strawberry.input(description="Null fields stay as they are; accepted types can only be added.")
class UpdateRegistryInput:
    organization: str = strawberry.field(description="The organisation's name.")
    name: str = strawberry.field(description="The registry's name; NOT_FOUND if none.")
    description: str | None = strawberry.field(
        default=None, description="New description, up to 4096 characters; '' clears it."
    )
    add_accepted_types: list[str] = strawberry.field(
        default_factory=list,
        description="Artifact types to accept as well (at most 100 in all).",
    )
    accept_any_type: bool = strawberry.field(
        default=False, description="Widen to any type (cannot be narrowed again)."
    )
    visibility: RegistryVisibility | None = strawberry.field(
        default=None, description="New visibility; null keeps it."
    )
    protected_aliases: list[str] | None = strawberry.field(
        default=None, description="Replaces the list of protected aliases."
    )


@strawberry.type(description="The result of createRegistry or updateRegistry.")
class RegistryPayload:
    registry: Registry | None = strawberry.field(
        default=None, description="The registry as it is now; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A user's new role in a registry.")
class SetRegistryRoleInput:
    organization: str = strawberry.field(description="The organisation's name.")
    registry: str = strawberry.field(description="The registry's name; NOT_FOUND if none.")
    user: str = strawberry.field(description="User name.")
    role: Role = strawberry.field(description="The role; replaces any role they had in it.")


@strawberry.type(description="The result of setRegistryRole.")
class RegistryRolePayload:
    grant: RegistryRoleGrant | None = strawberry.field(
        default=None, description="The role as granted; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A user whose registry role to remove.")
class RemoveRegistryRoleInput:
    organization: str = strawberry.field(description="The organisation's name.")
    registry: str = strawberry.field(description="The registry's name; NOT_FOUND if none.")
    user: str = strawberry.field(description="User name.")


@strawberry.type(description="The result of removeRegistryRole.")
class RemoveRegistryRolePayload:
    removed: bool = strawberry.field(
        default=False, description="False when the user had no role in the registry."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A new, empty collection.")
class CreateCollectionInput:
    organization: str = strawberry.field(description="The organisation's name.")
    registry: str = strawberry.field(description="The registry's name; NOT_FOUND if none.")
    name: str = strawberry.field(
        description="Unique in the registry: 1-128 letters, digits, `_`, `-` or `.` "
        "(INVALID_NAME otherwise; ALREADY_EXISTS if taken)."
    )
    type: str = strawberry.field(description="The artifact type of every version; fixed.")
    description: str = strawberry.field(default="", description="Free text, up to 4096 characters.")
    tags: list[str] = strawberry.field(
        default_factory=list, description="Labels (at most 64, each up to 64 characters)."
    )


@strawberry.input(description="Null fields stay as they are; `tags` replaces the tags.")
class UpdateCollectionInput:
    organization: str = strawberry.field(description="The organisation's name.")
    registry: str = strawberry.field(description="The registry's name.")
    name: str = strawberry.field(description="The collection's name; NOT_FOUND if none.")
    description: str | None = strawberry.field(
        default=None, description="New description, up to 4096 characters; '' clears it."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Replaces the tags (at most 64); [] clears them."
    )


@strawberry.type(description="The result of createCollection or updateCollection.")
class CollectionPayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection as it is now; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Mutations of registries, their roles and collections.")
class RegistryAdminMutation:
    @strawberry.mutation(description="Create a custom registry; its creator becomes its admin.")
    @mutation_errors(RegistryPayload)
    async def create_registry(
        self, info: Info[Context, None], input: Input[CreateRegistryInput]
    ) -> RegistryPayload:
        await info.context.authorize(Action.ADMIN, org=input.organization)
        caller = info.context.caller
        record = await registry_admin.create_registry(
            info.context.graph,
            input.organization,
            input.name,
            description=input.description,
            accepted_types=input.accepted_types,
            accepts_any_type=input.accepts_any_type,
            visibility=Visibility(input.visibility.value),
            protected_aliases=input.protected_aliases,
            actor=caller.name,
            actor_user_id=caller.user_id,
        )
        return RegistryPayload(registry=Registry.from_record(record))

    @strawberry.mutation(description="Change a registry (its admins only).")
    @mutation_errors(RegistryPayload)
    async def update_registry(
        self, info: Info[Context, None], input: Input[UpdateRegistryInput]
    ) -> RegistryPayload:
        await info.context.authorize(
            Action.ADMIN, org=input.organization, registry=input.name, registry_field="name"
        )
        record = await registry_admin.update_registry(
            info.context.graph,
            input.organization,
            input.name,
            description=input.description,
            add_accepted_types=input.add_accepted_types,
            accept_any_type=input.accept_any_type,
            visibility=None if input.visibility is None else Visibility(input.visibility.value),
            protected_aliases=input.protected_aliases,
            actor=info.context.caller.name,
        )
        return RegistryPayload(registry=Registry.from_record(record))

    @strawberry.mutation(description="Give a user a role in a registry, replacing theirs.")
    @mutation_errors(RegistryRolePayload)
    async def set_registry_role(
        self, info: Info[Context, None], input: Input[SetRegistryRoleInput]
    ) -> RegistryRolePayload:
        await info.context.authorize(Action.ADMIN, org=input.organization, registry=input.registry)
        registry = await registries.require_registry(
            info.context.graph, input.organization, input.registry
        )
        record = await registry_roles.grant_registry_role(
            info.context.graph,
            org_id=registry.org_id,
            registry_id=registry.id,
            user=input.user,
            role=RegistryRole(input.role.value),
            actor=info.context.caller.name,
        )
        return RegistryRolePayload(grant=RegistryRoleGrant.from_record(record))

    @strawberry.mutation(description="Remove a user's role in a registry; removed=false if none.")
    @mutation_errors(RemoveRegistryRolePayload)
    async def remove_registry_role(
        self, info: Info[Context, None], input: Input[RemoveRegistryRoleInput]
    ) -> RemoveRegistryRolePayload:
        await info.context.authorize(Action.ADMIN, org=input.organization, registry=input.registry)
        registry = await registries.require_registry(
            info.context.graph, input.organization, input.registry
        )
        removed = await registry_roles.revoke_registry_role(
            info.context.graph,
            org_id=registry.org_id,
            registry_id=registry.id,
            user=input.user,
            actor=info.context.caller.name,
        )
        return RemoveRegistryRolePayload(removed=removed)

    @strawberry.mutation(
        description="Create an empty collection; TYPE_NOT_ACCEPTED if the registry refuses the "
        "type. (Linking into a missing collection also creates it.)"
    )
    @mutation_errors(CollectionPayload)
    async def create_collection(
        self, info: Info[Context, None], input: Input[CreateCollectionInput]
    ) -> CollectionPayload:
        await info.context.authorize(Action.WRITE, org=input.organization, registry=input.registry)
        record = await collections.create_collection(
            info.context.graph,
            input.organization,
            input.registry,
            input.name,
            type=input.type,
            description=input.description,
            tags=input.tags,
            actor=info.context.caller.name,
        )
        return CollectionPayload(collection=Collection.from_record(record))

    @strawberry.mutation(description="Change a collection's description and/or tags.")
    @mutation_errors(CollectionPayload)
    async def update_collection(
        self, info: Info[Context, None], input: Input[UpdateCollectionInput]
    ) -> CollectionPayload:
        await info.context.authorize(Action.WRITE, org=input.organization, registry=input.registry)
        record = await collections.update_collection(
            info.context.graph,
            input.organization,
            input.registry,
            input.name,
            description=input.description,
            tags=input.tags,
            actor=info.context.caller.name,
        )
        return CollectionPayload(collection=Collection.from_record(record))
