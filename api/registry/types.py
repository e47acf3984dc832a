"""Registries, collections and linked versions in the schema.

Types wrap plain records from `graph`; relations read through per-request loaders; every field
that reaches more data authorises on the registry first (`Action.READ`, with its name).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.access.types import Role
from api.authz import Action
from api.context import Context
from api.enums import described_enum
from api.nodes import authorized_nodes
from api.orgs import Organization, load_organizations
from api.pagination import After, Connection, First, Page, connection, page_of
from api.registry.filters import CollectionFilter, CollectionOrder
from api.registry.loaders import load_alias_pages, load_collections, load_registries
from api.registry.version_type import RegistryVersion
from api.registry.versions import (
    CollectionAlias,
    CollectionAliasMove,
    alias_entry,
    alias_move,
)
from graph.core.names import validate_name
from graph.core.refs import REGISTRY_PREFIX, RegistryPath
from graph.registry import aliases as collection_aliases
from graph.registry import collections
from graph.registry import roles as registry_roles
from graph.registry import search as collection_search
from graph.registry import versions as registry_versions
from graph.registry.records import (
    CollectionRecord,
    RegistryRecord,
)
from graph.registry.roles import RegistryRoleRecord


class RegistryVisibility(Enum):
    RESTRICTED = "RESTRICTED"
    ORGANIZATION = "ORGANIZATION"


described_enum(
    RegistryVisibility,
    name="RegistryVisibility",
    description="Who sees a registry: its members only, or the whole organisation.",
    values={
        "RESTRICTED": "Only users with a role on the registry, and organisation admins; to "
        "everyone else it does not exist (NOT_FOUND, absent from lists).",
        "ORGANIZATION": "Every member of the organisation, with their organisation role (raised "
        "by a registry role if that is higher).",
    },
)


def page_for(info: Info[Context, None], first: int | None, after: str | None) -> Page:
    settings = info.context.settings
    return page_of(first, after, default=settings.default_page_size, maximum=settings.max_page_size)


@strawberry.type(description="A user's role in one registry.")
class RegistryRoleGrant:
    user: str = strawberry.field(description="The user's name.")
    role: Role = strawberry.field(description="Their role in this registry.")
    granted_at: datetime | None = strawberry.field(
        description="When the role was given (UTC); null when not recorded."
    )
    granted_by: str | None = strawberry.field(
        description="User name of who gave it; null when not recorded."
    )

    @classmethod
    def from_record(cls, record: RegistryRoleRecord) -> RegistryRoleGrant:
        return cls(
            user=record.user_name,
            role=Role(record.role.value),
            granted_at=record.granted_at,
            granted_by=record.granted_by,
        )


@strawberry.type(
    description="Where an organisation curates versions: `model` and `dataset` always exist."
)
class Registry(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Unique within the organisation and never changed; in paths it is written "
        "`registry-<name>`."
    )
    description: str = strawberry.field(
        description="Free text, up to 4096 characters; empty when none."
    )
    accepts_any_type: bool = strawberry.field(
        description="True when versions of every artifact type may be linked here."
    )
    accepted_types: list[str] = strawberry.field(
        description="Artifact types linkable here (empty when any type is accepted)."
    )
    visibility: RegistryVisibility = strawberry.field(description="Who sees the registry.")
    protected_aliases: list[str] = strawberry.field(
        description="Collection aliases only registry admins may set, move or remove."
    )
    is_core: bool = strawberry.field(
        description="True for `model` and `dataset`, which every organisation has and which "
        "cannot be deleted."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    created_by: str = strawberry.field(
        description="User name of its creator; `system` for the core registries."
    )
    record: strawberry.Private[RegistryRecord]

    @classmethod
    def from_record(cls, record: RegistryRecord) -> Registry:
        return cls(
            id=record.id,
            name=record.name,
            description=record.description,
            accepts_any_type=record.accepts_any_type,
            accepted_types=list(record.accepted_types),
            visibility=RegistryVisibility(record.visibility.value),
            protected_aliases=list(record.protected_aliases),
            is_core=record.is_core,
            created_at=record.created_at,
            created_by=record.created_by,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Registry | None]:
        return await authorized_nodes(
            info,
            load_registries,
            node_ids,
            cls.from_record,
            lambda record: (record.org_name, record.name),
        )

    @strawberry.field(description="`organization/registry-name`, the prefix of collection paths.")
    def path(self) -> str:
        return f"{self.record.org_name}/{REGISTRY_PREFIX}{self.name}"

    @strawberry.field(description="The organisation owning the registry.")
    async def organization(self, info: Info[Context, None]) -> Organization:
        record = await info.context.loaders.get(load_organizations).load(self.record.org_id)
        assert record is not None
        return Organization.from_record(record)

    @strawberry.field(description="Collections matching `filter` (all when null), paged.")
    async def collections(
        self,
        info: Info[Context, None],
        filter: Annotated[
            CollectionFilter | None,
            strawberry.argument(description="Predicates every result must meet; null for all."),
        ] = None,
        order_by: Annotated[
            CollectionOrder, strawberry.argument(description="The order of the results.")
        ] = CollectionOrder.NAME,
        first: First = None,
        after: After = None,
    ) -> Connection[Collection]:
        await info.context.authorize(Action.READ, org=self.record.org_name, registry=self.name)
        page = page_for(info, first, after)
        search = CollectionFilter.to_graph(filter)
        records, total = await collection_search.search_collections(
            info.context.graph, self.id, search, order_by.to_graph(), page.offset, page.limit
        )
        return connection(records, total, page, Collection.from_record)

    @strawberry.field(description="The collection called `name`, or null.")
    async def collection(
        self,
        info: Info[Context, None],
        name: Annotated[str, strawberry.argument(description="The collection's name.")],
    ) -> Collection | None:
        await info.context.authorize(Action.READ, org=self.record.org_name, registry=self.name)
        record = await collections.collection_by_name(
            info.context.graph, self.record.org_name, self.name, name
        )
        return None if record is None else Collection.from_record(record)

    @strawberry.field(description="Users holding a role in this registry, by user name.")
    async def roles(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[RegistryRoleGrant]:
        await info.context.authorize(Action.READ, org=self.record.org_name, registry=self.name)
        page = page_for(info, first, after)
        records, total = await registry_roles.registry_roles(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(records, total, page, RegistryRoleGrant.from_record)


@strawberry.type(description="A named series of linked versions of one artifact type.")
class Collection(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Unique within its registry.")
    type: str = strawberry.field(description="The artifact type of every version; fixed.")
    description: str = strawberry.field(
        description="Free text, up to 4096 characters; empty when none."
    )
    tags: list[str] = strawberry.field(
        description="Labels of the collection (at most 64, each up to 64 characters); may be empty."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    created_by: str = strawberry.field(
        description="User name of who created it (explicitly or by the first link)."
    )
    version_count: int = strawberry.field(description="Linked (committed) versions.")
    record: strawberry.Private[CollectionRecord]

    @classmethod
    def from_record(cls, record: CollectionRecord) -> Collection:
        return cls(
            id=record.id,
            name=record.name,
            type=record.type,
            description=record.description,
            tags=list(record.tags),
            created_at=record.created_at,
            created_by=record.created_by,
            version_count=record.version_count,
            record=record,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Collection | None]:
        return await authorized_nodes(
            info,
            load_collections,
            node_ids,
            cls.from_record,
            lambda record: (record.org_name, record.registry_name),
        )

    async def _authorize(self, info: Info[Context, None]) -> None:
        await info.context.authorize(
            Action.READ, org=self.record.org_name, registry=self.record.registry_name
        )

    @strawberry.field(description="`organization/registry-name/collection`.")
    def path(self) -> str:
        return self.record.path

    @strawberry.field(description="The registry holding the collection.")
    async def registry(self, info: Info[Context, None]) -> Registry:
        record = await info.context.loaders.get(load_registries).load(self.record.registry_id)
        assert record is not None
        return Registry.from_record(record)

    @strawberry.field(description="Linked versions, most recently linked first.")
    async def versions(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[RegistryVersion]:
        await self._authorize(info)
        page = page_for(info, first, after)
        records, total = await registry_versions.versions_of_collection(
            info.context.graph, self.id, page.offset, page.limit
        )
        return connection(records, total, page, RegistryVersion.from_record)

    @strawberry.field(description="The version `vN` or an alias names here, or null.")
    async def version(
        self,
        info: Info[Context, None],
        selector: Annotated[
            str,
            strawberry.argument(
                description="`vN` (a collection index) or an alias such as `latest`; "
                "INVALID_NAME when it is neither."
            ),
        ],
    ) -> RegistryVersion | None:
        await self._authorize(info)
        validate_name(selector, field="selector")
        path = RegistryPath(self.record.org_name, self.record.registry_name, self.name, selector)
        record = await registry_versions.membership_at_path(info.context.graph, path)
        return None if record is None else RegistryVersion.from_record(record)

    @strawberry.field(description="Aliases of this collection: `latest` first, then by name.")
    async def aliases(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[CollectionAlias]:
        await self._authorize(info)
        page = page_for(info, first, after)
        records, total = await info.context.loaders.get(load_alias_pages).load(
            (self.id, page.offset, page.limit)
        )
        return connection(records, total, page, alias_entry)

    @strawberry.field(description="Alias changes (one alias, or all), newest first.")
    async def alias_history(
        self,
        info: Info[Context, None],
        alias: Annotated[
            str | None,
            strawberry.argument(description="Only the changes of this alias; null for all."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[CollectionAliasMove]:
        await self._authorize(info)
        page = page_for(info, first, after)
        records, total = await collection_aliases.alias_history(
            info.context.graph, self.id, alias, page.offset, page.limit
        )
        return connection(records, total, page, alias_move)
