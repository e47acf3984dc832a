"""Mutations of access control: users and API keys, organisation members and their roles.

A new key's secret appears once, in the payload of the mutation that made it; only its hash is
stored. Member changes need organisation admin, are refused (`CONFLICT`) when they would leave an
organisation without an admin, and are audited.
"""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.access.types import ApiKey, Member, Role, User
from api.authz import Action, decide, require_server_admin, require_user
from api.context import Context
from api.errors import UserError, mutation_errors
from graph.access import api_keys, memberships
from graph.access import users as identity
from graph.core.errors import NotFound


@strawberry.input
class CreateUserInput:
    name: str
    is_server_admin: bool = False
    with_api_key: bool = strawberry.field(
        default=True, description="Also create the user's first API key (returned once)."
    )


@strawberry.type
class CreateUserPayload:
    user: User | None = None
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The new API key itself: shown only here, never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiKeyInput:
    label: str | None = strawberry.field(default=None, description="A note: where it is used.")
    user: str | None = strawberry.field(
        default=None, description="Another user's name (server admins only); default: the caller."
    )


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(
        default=None, description="The new API key itself: shown only here, never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiKeyInput:
    id: relay.GlobalID


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddOrganizationMemberInput:
    organization: str
    user: str
    role: Role = Role.MEMBER


@strawberry.input
class SetMemberRoleInput:
    organization: str
    user: str
    role: Role


@strawberry.input
class RemoveOrganizationMemberInput:
    organization: str
    user: str


@strawberry.type
class MemberPayload:
    member: Member | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemoveOrganizationMemberPayload:
    removed: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessMutation:
    @strawberry.mutation(description="Create a user (server admins only); ALREADY_EXISTS if taken.")
    @mutation_errors(CreateUserPayload)
    async def create_user(
        self, info: Info[Context, None], input: CreateUserInput
    ) -> CreateUserPayload:
        require_server_admin(info.context.caller)
        user, key = await identity.create_user(
            info.context.graph,
            input.name,
            is_server_admin=input.is_server_admin,
            with_key=input.with_api_key,
        )
        return CreateUserPayload(
            user=User.from_record(user),
            api_key=None if key is None else ApiKey.from_record(key.record),
            secret=None if key is None else key.secret,
        )

    @strawberry.mutation(description="Create an API key; its secret is returned only here.")
    @mutation_errors(CreateApiKeyPayload)
    async def create_api_key(
        self, info: Info[Context, None], input: CreateApiKeyInput
    ) -> CreateApiKeyPayload:
        caller = info.context.caller
        user_id = require_user(caller)
        if input.user is not None and input.user != caller.name:
            require_server_admin(caller)
            owner = await identity.user_by_name(info.context.graph, input.user)
            if owner is None:
                raise NotFound(f"User {input.user!r} not found", field="user")
            user_id = owner.id
        key = await api_keys.create_api_key(info.context.graph, user_id, input.label)
        return CreateApiKeyPayload(api_key=ApiKey.from_record(key.record), secret=key.secret)

    @strawberry.mutation(description="Revoke one of your API keys (any, for server admins).")
    @mutation_errors(RevokeApiKeyPayload)
    async def revoke_api_key(
        self, info: Info[Context, None], input: RevokeApiKeyInput
    ) -> RevokeApiKeyPayload:
        caller = info.context.caller
        user_id = require_user(caller)
        if input.id.type_name != ApiKey.__name__:
            raise NotFound("API key not found", field="id")
        record = await api_keys.revoke_api_key(
            info.context.graph,
            input.id.node_id,
            owner_id=None if caller.is_server_admin else user_id,
        )
        return RevokeApiKeyPayload(api_key=ApiKey.from_record(record))

    @strawberry.mutation(description="Add a user to an organisation (its admins only).")
    @mutation_errors(MemberPayload)
    async def add_organization_member(
        self, info: Info[Context, None], input: AddOrganizationMemberInput
    ) -> MemberPayload:
        caller = info.context.caller
        await decide(caller, Action.ADMIN, org=input.organization, creates=False)
        record = await memberships.add_member(
            info.context.graph, input.organization, input.user, input.role.value, actor=caller.name
        )
        return MemberPayload(member=Member.from_record(record))

    @strawberry.mutation(description="Change a member's role; an organisation keeps one admin.")
    @mutation_errors(MemberPayload)
    async def set_member_role(
        self, info: Info[Context, None], input: SetMemberRoleInput
    ) -> MemberPayload:
        caller = info.context.caller
        await decide(caller, Action.ADMIN, org=input.organization, creates=False)
        record = await memberships.set_member_role(
            info.context.graph, input.organization, input.user, input.role.value, actor=caller.name
        )
        return MemberPayload(member=Member.from_record(record))

    @strawberry.mutation(description="Remove a member and their registry roles in the team.")
    @mutation_errors(RemoveOrganizationMemberPayload)
    async def remove_organization_member(
        self, info: Info[Context, None], input: RemoveOrganizationMemberInput
    ) -> RemoveOrganizationMemberPayload:
        caller = info.context.caller
        await decide(caller, Action.ADMIN, org=input.organization, creates=False)
        await memberships.remove_member(
            info.context.graph, input.organization, input.user, actor=caller.name
        )
        return RemoveOrganizationMemberPayload(removed=True)
