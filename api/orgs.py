"""Organisations and projects in the schema: the pattern every feature module follows.

Types wrap plain records from `graph`; relation fields read through per-request DataLoaders;
every resolver authorises before it reads; mutations take one input and return a payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.nodes import authorized_nodes
from api.pagination import After, Connection, First, connection, page_of
from graph.access import orgs
from graph.access.orgs import OrganizationRecord, ProjectRecord


async def load_organizations(context: Context, ids: list[str]) -> list[OrganizationRecord | None]:
    return await orgs.organizations_by_ids(context.graph, ids)


async def load_projects(context: Context, ids: list[str]) -> list[ProjectRecord | None]:
    return await orgs.projects_by_ids(context.graph, ids)


@strawberry.type(description="A team: owns projects, registries, members and settings.")
class Organization(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Unique on the server; the first part of every path in the organisation."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_record(cls, record: OrganizationRecord) -> Organization:
        return cls(id=record.id, name=record.name, created_at=record.created_at)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Organization | None]:
        return await authorized_nodes(
            info, load_organizations, node_ids, cls.from_record, lambda record: (record.name, None)
        )

    @strawberry.field(description="Projects of this organisation, by name.")
    async def projects(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[Project]:
        await info.context.authorize(Action.READ, org=self.name)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await orgs.projects_of_organization(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(records, total, page, Project.from_record)


@strawberry.type(description="A workspace inside an organisation holding artifacts and runs.")
class Project(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique within its organisation.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    org_id: strawberry.Private[str]
    org_name: strawberry.Private[str]

    @classmethod
    def from_record(cls, record: ProjectRecord) -> Project:
        return cls(
            id=record.id,
            name=record.name,
            created_at=record.created_at,
            org_id=record.org_id,
            org_name=record.org_name,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Project | None]:
        return await authorized_nodes(
            info, load_projects, node_ids, cls.from_record, lambda record: (record.org_name, None)
        )

    @strawberry.field(description="`organization/project`, the prefix of artifact paths.")
    def path(self) -> str:
        return f"{self.org_name}/{self.name}"

    @strawberry.field(description="The organisation owning the project.")
    async def organization(self, info: Info[Context, None]) -> Organization:
        record = await info.context.loaders.get(load_organizations).load(self.org_id)
        assert record is not None
        return Organization.from_record(record)


@strawberry.type(description="Queries of organisations and projects.")
class OrgQuery:
    @strawberry.field(description="An organisation by name, or null.")
    async def organization(
        self,
        info: Info[Context, None],
        name: Annotated[str, strawberry.argument(description="The organisation's name.")],
    ) -> Organization | None:
        await info.context.authorize(Action.READ, org=name)
        record = await orgs.organization_by_name(info.context.graph, name)
        return None if record is None else Organization.from_record(record)

    @strawberry.field(description="A project by `organization` and `name`, or null.")
    async def project(
        self,
        info: Info[Context, None],
        organization: Annotated[
            str, strawberry.argument(description="Name of the organisation holding it.")
        ],
        name: Annotated[str, strawberry.argument(description="The project's name.")],
    ) -> Project | None:
        await info.context.authorize(Action.READ, org=organization)
        record = await orgs.project_by_name(info.context.graph, organization, name)
        return None if record is None else Project.from_record(record)


@strawberry.input(description="A new organisation; the caller becomes its admin.")
class CreateOrganizationInput:
    name: str = strawberry.field(
        description="Unique on the server: 1-128 letters, digits, `_`, `-` or `.` "
        "(INVALID_NAME otherwise)."
    )


@strawberry.type(description="The result of createOrganization.")
class CreateOrganizationPayload:
    organization: Organization | None = strawberry.field(
        default=None, description="The new organisation; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A new project in an organisation.")
class CreateProjectInput:
    organization: str = strawberry.field(description="Name of the organisation to hold it.")
    name: str = strawberry.field(
        description="Unique within the organisation: 1-128 letters, digits, `_`, `-` or `.` "
        "(INVALID_NAME otherwise)."
    )
    create_organization: bool = strawberry.field(
        default=True,
        description="Create the organisation when it does not exist (the caller becomes its "
        "admin); false makes a missing organisation NOT_FOUND.",
    )


@strawberry.type(description="The result of createProject.")
class CreateProjectPayload:
    project: Project | None = strawberry.field(
        default=None, description="The new project; null when `errors` is not empty."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type(description="Mutations of organisations and projects.")
class OrgMutation:
    @strawberry.mutation(description="Create an organisation; ALREADY_EXISTS if the name is taken.")
    @mutation_errors(CreateOrganizationPayload)
    async def create_organization(
        self, info: Info[Context, None], input: Input[CreateOrganizationInput]
    ) -> CreateOrganizationPayload:
        await info.context.authorize(Action.ADMIN, org=input.name)
        record = await orgs.create_organization(info.context.graph, input.name)
        return CreateOrganizationPayload(organization=Organization.from_record(record))

    @strawberry.mutation(description="Create a project; ALREADY_EXISTS if the name is taken.")
    @mutation_errors(CreateProjectPayload)
    async def create_project(
        self, info: Info[Context, None], input: Input[CreateProjectInput]
    ) -> CreateProjectPayload:
        await info.context.authorize(Action.WRITE, org=input.organization)
        record = await orgs.create_project(
            info.context.graph,
            input.organization,
            input.name,
            create_organization=input.create_organization,
        )
        return CreateProjectPayload(project=Project.from_record(record))
