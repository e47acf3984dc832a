"""Root query fields of the registry: registries of an organisation, and lookups by path."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.history import AsOf, checked_as_of
from api.pagination import After, Connection, First, connection
from api.registry.access import read_if_visible, readable, version_node_id
from api.registry.types import Collection, Registry, page_for
from api.registry.version_type import RegistryVersion
from graph.core.refs import Selector, parse_registry_path
from graph.registry import collections, registries
from graph.registry import history as registry_history
from graph.registry import versions as registry_versions

OrganizationName = Annotated[str, strawberry.argument(description="The organisation's name.")]


@strawberry.type(description="Queries of registries, collections and linked versions.")
class RegistryQuery:
    @strawberry.field(
        description="Registries of an organisation the caller may read: core ones first, then "
        "by name. The core registries `model` and `dataset` always exist."
    )
    async def registries(
        self,
        info: Info[Context, None],
        organization: OrganizationName,
        first: First = None,
        after: After = None,
    ) -> Connection[Registry]:
        await info.context.authorize(Action.READ, org=organization)
        page = page_for(info, first, after)
        graph = info.context.graph
        names = await registries.registry_names(graph, organization)
        allowed = await readable(info, [(rid, organization, name) for rid, name in names])
        records, total = await registries.registries_page(graph, allowed, page.offset, page.limit)
        return connection(records, total, page, Registry.from_record)

    @strawberry.field(description="A registry by organisation and name, or null.")
    async def registry(
        self,
        info: Info[Context, None],
        organization: OrganizationName,
        name: Annotated[str, strawberry.argument(description="The registry's name, e.g. `model`.")],
    ) -> Registry | None:
        graph = info.context.graph
        found = await read_if_visible(
            info,
            organization,
            name,
            lambda: registries.read_registry_by_name(graph, organization, name),
            field="name",
        )
        if found is None:
            return None
        record = (
            found.record
            if found.settled
            else await registries.registry_by_name(graph, organization, name)
        )
        return None if record is None else Registry.from_record(record)

    @strawberry.field(
        description="A collection by path `org/registry-name/collection` (or "
        "`org/wandb-registry-name/collection`), or null."
    )
    async def registry_collection(
        self,
        info: Info[Context, None],
        path: Annotated[
            str,
            strawberry.argument(
                description="`org/registry-name/collection`, without a selector; INVALID_PATH "
                "when it does not parse."
            ),
        ],
    ) -> Collection | None:
        parsed = parse_registry_path(path, selector=Selector.FORBIDDEN)
        graph = info.context.graph
        record = await read_if_visible(
            info,
            parsed.org,
            parsed.registry,
            lambda: collections.collection_by_name(
                graph, parsed.org, parsed.registry, parsed.collection
            ),
            field="path",
        )
        return None if record is None else Collection.from_record(record)

    @strawberry.field(
        description="The linked version a path names: `org/registry-name/collection:vN`, "
        "`...:alias`, or no selector for `latest`; null when none."
    )
    async def registry_version(
        self,
        info: Info[Context, None],
        path: Annotated[
            str,
            strawberry.argument(
                description="`org/registry-name/collection[:vN|:alias]`; INVALID_PATH when it "
                "does not parse."
            ),
        ],
        as_of: AsOf = None,
    ) -> RegistryVersion | None:
        parsed = parse_registry_path(path, selector=Selector.OPTIONAL)
        moment = checked_as_of(as_of)
        graph = info.context.graph
        if moment is not None:
            past = await read_if_visible(
                info,
                parsed.org,
                parsed.registry,
                lambda: registry_history.membership_as_of(graph, parsed, moment),
                field="path",
            )
            return (
                None
                if past is None
                else RegistryVersion.from_record(past.membership, past.unlinked_at)
            )
        record = await read_if_visible(
            info,
            parsed.org,
            parsed.registry,
            lambda: registry_versions.membership_at_path(graph, parsed),
            field="path",
        )
        return None if record is None else RegistryVersion.from_record(record)

    @strawberry.field(
        description="Every collection an ArtifactVersion is linked to (that the caller may "
        "read), by path."
    )
    async def registry_memberships(
        self,
        info: Info[Context, None],
        artifact_version_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Global id of the ArtifactVersion; INVALID_INPUT when it is not one."
            ),
        ],
        first: First = None,
        after: After = None,
    ) -> Connection[RegistryVersion]:
        version_id = version_node_id(artifact_version_id, field="artifactVersionId")
        page = page_for(info, first, after)
        graph = info.context.graph
        linked = await registry_versions.registries_of_version(graph, version_id)
        allowed = await readable(
            info, [(r.registry_id, r.org_name, r.registry_name) for r in linked]
        )
        records, total = await registry_versions.memberships_of_version(
            graph, version_id, allowed, page.offset, page.limit
        )
        return connection(records, total, page, RegistryVersion.from_record)
