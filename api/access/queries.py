"""Root queries of access control: who am I, my keys, a team's members, its audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.access.types import ApiKey, AuditEvent, Member, User, load_users
from api.authz import Action, decide, require_server_admin, require_user
from api.context import Context
from api.pagination import After, Connection, First, Page, connection, page_of
from graph.access import api_keys, memberships, orgs
from graph.access import users as identity
from graph.access.orgs import OrganizationRecord
from graph.core import audit_log as audit_queries
from graph.core.audit_log import AuditFilter
from graph.core.errors import InvalidInput, NotFound

MAX_FILTER_LENGTH = 256


def _page(info: Info[Context, None], first: int | None, after: str | None) -> Page:
    settings = info.context.settings
    return page_of(first, after, default=settings.default_page_size, maximum=settings.max_page_size)


async def existing_organization(info: Info[Context, None], name: str) -> OrganizationRecord:
    record = await orgs.organization_by_name(info.context.graph, name)
    if record is None:
        raise NotFound(f"Organization {name!r} not found", field="organization")
    return record


@strawberry.input(description="Every given field must match; `since` inclusive, `until` not.")
class AuditEventFilter:
    action: str | None = strawberry.field(
        default=None, description="Exactly this action, e.g. `member.add`."
    )
    actor: str | None = strawberry.field(
        default=None, description="Exactly this actor: a user name or `system:...`."
    )
    target_kind: str | None = strawberry.field(
        default=None, description="Exactly this kind of target, e.g. `Collection`."
    )
    target_id: str | None = strawberry.field(
        default=None, description="Exactly this target's stored id (as `AuditEvent.targetId`)."
    )
    since: datetime | None = strawberry.field(
        default=None, description="At or after this time (no zone means UTC)."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Strictly before this time (no zone means UTC)."
    )

    def to_filter(self) -> AuditFilter:
        for value in (self.action, self.actor, self.target_kind, self.target_id):
            if value is not None and len(value) > MAX_FILTER_LENGTH:
                raise InvalidInput(
                    f"filter values are at most {MAX_FILTER_LENGTH} characters", field="filter"
                )
        return AuditFilter(
            action=self.action,
            actor=self.actor,
            target_kind=self.target_kind,
            target_id=self.target_id,
            since=self.since,
            until=self.until,
        )


@strawberry.type(description="Queries of users, API keys, memberships and the audit trail.")
class AccessQuery:
    @strawberry.field(
        description="The user the request's API key belongs to; UNAUTHENTICATED without a key."
    )
    async def me(self, info: Info[Context, None]) -> User:
        user_id = require_user(info.context.caller)
        record = await info.context.loaders.get(load_users).load(user_id)
        if record is None:  # deleted between authentication and now
            raise NotFound("User not found")
        return User.from_record(record)

    @strawberry.field(description="All users, by name (server admins only: FORBIDDEN otherwise).")
    async def users(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[User]:
        require_server_admin(info.context.caller)
        page = _page(info, first, after)
        records, total = await identity.list_users(info.context.graph, page.offset, page.limit)
        return connection(records, total, page, User.from_record)

    @strawberry.field(description="The caller's own API keys, newest first, revoked ones too.")
    async def api_keys(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[ApiKey]:
        user_id = require_user(info.context.caller)
        page = _page(info, first, after)
        records, total = await api_keys.keys_of_user(
            info.context.graph, user_id, page.offset, page.limit
        )
        return connection(records, total, page, ApiKey.from_record)

    @strawberry.field(
        description="Members of an organisation and their roles, by user name; NOT_FOUND when "
        "the organisation does not exist."
    )
    async def organization_members(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        first: First = None,
        after: After = None,
    ) -> Connection[Member]:
        await info.context.authorize(Action.READ, org=organization)
        page = _page(info, first, after)
        org = await existing_organization(info, organization)
        records, total = await memberships.members_of(
            info.context.graph, org.id, page.offset, page.limit
        )
        return connection(records, total, page, Member.from_record)

    @strawberry.field(
        description="An organisation's audit trail, newest first (its admins only: FORBIDDEN "
        "otherwise); NOT_FOUND when the organisation does not exist."
    )
    async def audit_events(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        first: First = None,
        after: After = None,
        filter: Annotated[
            AuditEventFilter | None,
            strawberry.argument(
                description="Only the entries matching it; null for all. Text values are at "
                f"most {MAX_FILTER_LENGTH} characters (INVALID_INPUT beyond)."
            ),
        ] = None,
    ) -> Connection[AuditEvent]:
        await decide(info.context.caller, Action.ADMIN, org=organization, creates=False)
        page = _page(info, first, after)
        org = await existing_organization(info, organization)
        where = AuditFilter() if filter is None else filter.to_filter()
        records, total = await audit_queries.audit_events(
            info.context.graph, org.id, where, page.offset, page.limit
        )
        return connection(records, total, page, AuditEvent.from_record)
