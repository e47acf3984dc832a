"""Users, API keys, memberships and audit events as schema types.

A user is visible in full to themself and to server admins; organisation members see each
other through `organizationMembers`. An API key is visible to its owner and server admins only,
and never with its secret (that is returned once, by the mutation creating it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.authz import Caller, require_user
from api.context import Context
from api.enums import described_enum
from api.orgs import Organization, load_organizations
from api.pagination import After, Connection, First, connection, page_of
from graph.access import api_keys, memberships
from graph.access import users as identity
from graph.access.api_keys import ApiKeyRecord
from graph.access.facts import settle_claims_of_user
from graph.access.memberships import MemberRecord
from graph.access.users import UserRecord
from graph.core.audit_log import AuditEventRecord
from graph.core.errors import Forbidden
from graph.core.values import now


class Role(Enum):
    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"


# Described through `described_enum` rather than `strawberry.enum_value`, so that `role.value`
# stays typed as the `str` the graph functions take.
described_enum(
    Role,
    name="Role",
    description="A role in an organisation or a registry, least privileged first; each "
    "includes what the ones before it may do.",
    values={
        "VIEWER": "Reads everything in its scope.",
        "MEMBER": "Reads and writes: logs and edits artifacts, runs, lineage, links and aliases.",
        "ADMIN": "Also administers: members and roles, the audit trail, TTL policy, protected "
        "aliases, deleting collections and registries.",
    },
)


def require_self_or_server_admin(caller: Caller, user_id: str) -> None:
    """`Unauthenticated` for anonymous callers, `Forbidden` for other ordinary users."""
    if require_user(caller) != user_id and not caller.is_server_admin:
        raise Forbidden("Only the user themself or a server admin may see this")


async def load_users(context: Context, ids: list[str]) -> list[UserRecord | None]:
    return await identity.users_by_ids(context.graph, ids)


async def load_api_keys(context: Context, ids: list[str]) -> list[ApiKeyRecord | None]:
    return await api_keys.keys_by_ids(context.graph, ids)


@strawberry.type(description="Someone who calls the API with API keys and belongs to teams.")
class User(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Unique on the server; what `actor`, `createdBy` and role grants show."
    )
    created_at: datetime = strawberry.field(description="When the user was created (UTC).")
    is_server_admin: bool = strawberry.field(
        description="May do everything in every organisation, and manage users."
    )

    @classmethod
    def from_record(cls, record: UserRecord) -> User:
        return cls(
            id=record.id,
            name=record.name,
            created_at=record.created_at,
            is_server_admin=record.is_server_admin,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        records = await info.context.loaders.get(load_users).load_many(list(node_ids))
        result: list[User | None] = []
        for record in records:
            if record is not None:
                require_self_or_server_admin(info.context.caller, record.id)
            result.append(None if record is None else cls.from_record(record))
        return result

    @strawberry.field(description="The organisations this user belongs to, by name.")
    async def memberships(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[Member]:
        require_self_or_server_admin(info.context.caller, self.id)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        await settle_claims_of_user(info.context.graph, self.id)
        records, total = await memberships.memberships_of_user(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(records, total, page, Member.from_record)


@strawberry.type(description="A user's role in an organisation.")
class Member:
    role: Role = strawberry.field(description="The user's role in the organisation.")
    since: datetime = strawberry.field(
        description="When the user joined the organisation (UTC); a role change keeps it."
    )
    user_id: strawberry.Private[str]
    org_id: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: MemberRecord) -> Member:
        return cls(
            role=Role(record.role), since=record.since, user_id=record.user_id, org_id=record.org_id
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info[Context, None]) -> User:
        record = await info.context.loaders.get(load_users).load(self.user_id)
        assert record is not None
        return User.from_record(record)

    @strawberry.field(description="The organisation they are a member of.")
    async def organization(self, info: Info[Context, None]) -> Organization:
        record = await info.context.loaders.get(load_organizations).load(self.org_id)
        assert record is not None
        return Organization.from_record(record)


@strawberry.type(description="An API key without its secret; `prefix` identifies it to people.")
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    prefix: str = strawberry.field(
        description="The start of the key (`lin_` and 8 characters), enough to recognise it; "
        "not a secret."
    )
    label: str | None = strawberry.field(
        description="The note given at creation (where it is used); null when none."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used it, to within a minute."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (UTC); null while it still works."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When it stops working (UTC), as given to createApiKey; null: it works until "
        "revoked.",
    )
    user_id: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKey:
        return cls(
            id=record.id,
            prefix=record.prefix,
            label=record.label,
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            revoked_at=record.revoked_at,
            expires_at=record.expires_at,
            user_id=record.user_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        records = await info.context.loaders.get(load_api_keys).load_many(list(node_ids))
        result: list[ApiKey | None] = []
        for record in records:
            if record is not None:
                require_self_or_server_admin(info.context.caller, record.user_id)
            result.append(None if record is None else cls.from_record(record))
        return result

    @strawberry.field(
        description="True once revoked: requests with it then fail with UNAUTHENTICATED."
    )
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @strawberry.field(
        description="True once `expiresAt` has passed: requests with it then fail with "
        "UNAUTHENTICATED."
    )
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= now()


@strawberry.type(description="Who did what, when: one entry of an organisation's audit trail.")
class AuditEvent:
    id: str = strawberry.field(description="Unique id of this entry.")
    at: datetime = strawberry.field(description="When it happened (UTC).")
    actor: str = strawberry.field(
        description="User name of who did it, or `system:...` for the server's own work "
        "(TTL expiry, retention)."
    )
    action: str = strawberry.field(
        description="A dotted verb such as `member.add`, `registry.link` or "
        "`artifact_version.expire`; new verbs may appear."
    )
    target_kind: str = strawberry.field(
        description="What was acted on: `Artifact`, `ArtifactVersion`, `Collection`, "
        "`Organization`, `Registry` or `user`."
    )
    target_id: str = strawberry.field(
        description="The stored id (uuid hex, not a global id) of what was acted on."
    )
    details: JSON = strawberry.field(
        description="A JSON object with what changed; its keys depend on `action`."
    )

    @classmethod
    def from_record(cls, record: AuditEventRecord) -> AuditEvent:
        return cls(
            id=record.id,
            at=record.at,
            actor=record.actor,
            action=record.action,
            target_kind=record.target_kind,
            target_id=record.target_id,
            details=cast(JSON, record.details),
        )
