"""Mutations of access control: users and API keys, organisation members and their roles.

A new key's secret appears once, in the payload of the mutation that made it; only its hash is
stored. Member changes need organisation admin, are refused (`CONFLICT`) when they would leave an
organisation without an admin, and are audited.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.access.types import ApiKey, Member, Role, User
from api.authz import Action, decide, require_server_admin, require_user
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from graph.access import api_keys, memberships
from graph.access import users as identity
from graph.core.errors import NotFound


@strawberry.input(description="A new user.")
class CreateUserInput:
    name: str = strawberry.field(
        description="Unique on the server: 1-128 letters, digits, `_`, `-` or `.` "
        "(INVALID_NAME otherwise; ALREADY_EXISTS if taken)."
    )
    is_server_admin: bool = strawberry.field(
        default=False, description="Make the user a server admin (may do everything)."
    )
    with_api_key: bool = strawberry.field(
        default=True, description="Also create the user's first API key (returned once)."
    )


@strawberry.type(description="The result of createUser.")
class CreateUserPayload:
    user: User | None = strawberry.field(
        default=None, description="The new user; null when `errors` is not empty."
    )
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The user's first API key; null when `withApiKey` was false."
    )
    secret: str | None = strawberry.field(
        default=None, description="The new API key itself: shown only here, never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A new API key; a user holds at most 100 unrevoked keys.")
class CreateApiKeyInput:
    label: str | None = strawberry.field(
        default=None,
        description="A note: where it is used. At most 100 printable characters.",
    )
    user: str | None = strawberry.field(
        default=None, description="Another user's name (server admins only); default: the caller."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the key stops working (UNAUTHENTICATED afterwards): a future time with "
        "a timezone, e.g. `2030-01-01T00:00:00Z` (INVALID_INPUT otherwise). Null: it works until "
        "revoked.",
    )


@strawberry.type(description="The result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The new key (without its secret); null on errors."
    )
    secret: str | None = strawberry.field(
        default=None, description="The new API key itself: shown only here, never again."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    id: relay.GlobalID = strawberry.field(
        description="Global id of the ApiKey; NOT_FOUND when it is not one of the caller's keys "
        "(any key, for server admins)."
    )


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The revoked key; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A user to add to an organisation.")
class AddOrganizationMemberInput:
    organization: str = strawberry.field(description="The organisation's name.")
    user: str = strawberry.field(
        description="The user's name: someone who shares an organisation with the caller (any "
        "user, for server admins). NOT_FOUND for every other name, whether or not it exists; "
        "ALREADY_EXISTS if a member."
    )
    role: Role = strawberry.field(default=Role.MEMBER, description="Their role in it.")


@strawberry.input(description="A member's new role.")
class SetMemberRoleInput:
    organization: str = strawberry.field(description="The organisation's name.")
    user: str = strawberry.field(
        description="The member's user name; NOT_FOUND for any name that is not a member."
    )
    role: Role = strawberry.field(description="The new role; demoting the last admin is CONFLICT.")


@strawberry.input(description="A member to remove from an organisation.")
class RemoveOrganizationMemberInput:
    organization: str = strawberry.field(description="The organisation's name.")
    user: str = strawberry.field(
        description="The member's user name; NOT_FOUND for any name that is not a member, "
        "removing the last admin is CONFLICT."
    )


@strawberry.type(description="The result of a membership change.")
class MemberPayload:
    member: Member | None = strawberry.field(
        default=None, description="The membership as it is now; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="The result of removeOrganizationMember.")
class RemoveOrganizationMemberPayload:
    removed: bool = strawberry.field(
        default=False, description="True when the member was removed; a non-member is NOT_FOUND."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Mutations of users, API keys and organisation members.")
class AccessMutation:
    @strawberry.mutation(description="Create a user (server admins only); ALREADY_EXISTS if taken.")
    @mutation_errors(CreateUserPayload)
    async def create_user(
        self, info: Info[Context, None], input: Input[CreateUserInput]
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
        self, info: Info[Context, None], input: Input[CreateApiKeyInput]
    ) -> CreateApiKeyPayload:
        caller = info.context.caller
        user_id = require_user(caller)
        if input.user is not None and input.user != caller.name:
            require_server_admin(caller)
            owner = await identity.user_by_name(info.context.graph, input.user)
            if owner is None:
                raise NotFound(f"User {input.user!r} not found", field="user")
            user_id = owner.id
        key = await api_keys.create_api_key(
            info.context.graph, user_id, input.label, expires_at=input.expires_at
        )
        return CreateApiKeyPayload(api_key=ApiKey.from_record(key.record), secret=key.secret)

    @strawberry.mutation(description="Revoke one of your API keys (any, for server admins).")
    @mutation_errors(RevokeApiKeyPayload)
    async def revoke_api_key(
        self, info: Info[Context, None], input: Input[RevokeApiKeyInput]
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
        self, info: Info[Context, None], input: Input[AddOrganizationMemberInput]
    ) -> MemberPayload:
        caller = info.context.caller
        await decide(caller, Action.ADMIN, org=input.organization, creates=False)
        record = await memberships.add_member(
            info.context.graph,
            input.organization,
            input.user,
            input.role.value,
            actor=caller.name,
            seen_by=None if caller.is_server_admin else caller.user_id,
        )
        return MemberPayload(member=Member.from_record(record))

    @strawberry.mutation(description="Change a member's role; an organisation keeps one admin.")
    @mutation_errors(MemberPayload)
    async def set_member_role(
        self, info: Info[Context, None], input: Input[SetMemberRoleInput]
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
        self, info: Info[Context, None], input: Input[RemoveOrganizationMemberInput]
    ) -> RemoveOrganizationMemberPayload:
        caller = info.context.caller
        await decide(caller, Action.ADMIN, org=input.organization, creates=False)
        await memberships.remove_member(
            info.context.graph, input.organization, input.user, actor=caller.name
        )
        return RemoveOrganizationMemberPayload(removed=True)
