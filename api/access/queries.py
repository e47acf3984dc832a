"""Root queries of access control: who am I, my keys, a team's members, its audit trail."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.access.types import ApiKey, AuditEvent, Member, User, load_users
from api.authz import Action, decide, require_server_admin, require_user
from api.context import Context
from api.pagination import Connection, Page, connection, page_of
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
    action: str | None = None
    actor: str | None = None
    target_kind: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

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


@strawberry.type
class AccessQuery:
    @strawberry.field(description="The user the request's API key belongs to.")
    async def me(self, info: Info[Context, None]) -> User:
        user_id = require_user(info.context.caller)
        record = await info.context.loaders.get(load_users).load(user_id)
        if record is None:  # deleted between authentication and now
            raise NotFound("User not found")
        return User.from_record(record)

    @strawberry.field(description="All users, by name (server admins only).")
    async def users(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        require_server_admin(info.context.caller)
        page = _page(info, first, after)
        records, total = await identity.list_users(info.context.graph, page.offset, page.limit)
        return connection(records, total, page, User.from_record)

    @strawberry.field(description="The caller's own API keys, newest first, revoked ones too.")
    async def api_keys(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[ApiKey]:
        user_id = require_user(info.context.caller)
        page = _page(info, first, after)
        records, total = await api_keys.keys_of_user(
            info.context.graph, user_id, page.offset, page.limit
        )
        return connection(records, total, page, ApiKey.from_record)

    @strawberry.field(description="Members of an organisation and their roles, by user name.")
    async def organization_members(
        self,
        info: Info[Context, None],
        organization: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Member]:
        await info.context.authorize(Action.READ, org=organization)
        page = _page(info, first, after)
        org = await existing_organization(info, organization)
        records, total = await memberships.members_of(
            info.context.graph, org.id, page.offset, page.limit
        )
        return connection(records, total, page, Member.from_record)

    @strawberry.field(description="An organisation's audit trail, newest first (its admins only).")
    async def audit_events(
        self,
        info: Info[Context, None],
        organization: str,
        first: int | None = None,
        after: str | None = None,
        filter: AuditEventFilter | None = None,
    ) -> Connection[AuditEvent]:
        await decide(info.context.caller, Action.ADMIN, org=organization, creates=False)
        page = _page(info, first, after)
        org = await existing_organization(info, organization)
        where = AuditFilter() if filter is None else filter.to_filter()
        records, total = await audit_queries.audit_events(
            info.context.graph, org.id, where, page.offset, page.limit
        )
        return connection(records, total, page, AuditEvent.from_record)
