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
from api.errors import UserError, mutation_errors
from api.registry.types import Collection, Registry, RegistryRoleGrant, RegistryVisibility
from graph.registry import admin as registry_admin
from graph.registry import collections, registries
from graph.registry import roles as registry_roles
from graph.registry.records import RegistryRole, Visibility


@strawberry.input
class CreateRegistryInput:
    organization: str
    name: str
    description: str = ""
    accepted_types: list[str] = strawberry.field(
        default_factory=list, description="Artifact types linkable here; or acceptsAnyType."
    )
    accepts_any_type: bool = False
    visibility: RegistryVisibility = RegistryVisibility.ORGANIZATION
    protected_aliases: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Null fields stay as they are; accepted types can only be added.")
class UpdateRegistryInput:
    organization: str
    name: str
    description: str | None = None
    add_accepted_types: list[str] = strawberry.field(default_factory=list)
    accept_any_type: bool = strawberry.field(
        default=False, description="Widen to any type (cannot be narrowed again)."
    )
    visibility: RegistryVisibility | None = None
    protected_aliases: list[str] | None = strawberry.field(
        default=None, description="Replaces the list of protected aliases."
    )


@strawberry.type
class RegistryPayload:
    registry: Registry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetRegistryRoleInput:
    organization: str
    registry: str
    user: str = strawberry.field(description="User name.")
    role: Role


@strawberry.type
class RegistryRolePayload:
    grant: RegistryRoleGrant | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RemoveRegistryRoleInput:
    organization: str
    registry: str
    user: str


@strawberry.type
class RemoveRegistryRolePayload:
    removed: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateCollectionInput:
    organization: str
    registry: str
    name: str
    type: str = strawberry.field(description="The artifact type of every version; fixed.")
    description: str = ""
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Null fields stay as they are; `tags` replaces the tags.")
class UpdateCollectionInput:
    organization: str
    registry: str
    name: str
    description: str | None = None
    tags: list[str] | None = None


@strawberry.type
class CollectionPayload:
    collection: Collection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RegistryAdminMutation:
    @strawberry.mutation(description="Create a custom registry; its creator becomes its admin.")
    @mutation_errors(RegistryPayload)
    async def create_registry(
        self, info: Info[Context, None], input: CreateRegistryInput
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
        self, info: Info[Context, None], input: UpdateRegistryInput
    ) -> RegistryPayload:
        await info.context.authorize(Action.ADMIN, org=input.organization, registry=input.name)
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
        self, info: Info[Context, None], input: SetRegistryRoleInput
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
        self, info: Info[Context, None], input: RemoveRegistryRoleInput
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
        self, info: Info[Context, None], input: CreateCollectionInput
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
        self, info: Info[Context, None], input: UpdateCollectionInput
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
