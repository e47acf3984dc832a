"""Mutations that move versions in and out of collections and name them with aliases.

All need `WRITE` on the target registry; aliases the registry protects also need `ADMIN` there
(refused with `PROTECTED_ALIAS` otherwise). Each runs as one graph transaction, so a refusal
leaves nothing half-done.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.artifacts.ids import global_id
from api.authz import Action
from api.context import Context
from api.errors import ERRORS, Input, UserError, mutation_errors
from api.registry.access import (
    ARTIFACT_VERSION_TYPE,
    may_change_protected,
    version_node_id,
)
from api.registry.loaders import load_collections
from api.registry.types import Collection
from api.registry.version_type import RegistryVersion
from graph.artifacts.resolve import require_version
from graph.core.errors import InvalidInput
from graph.core.refs import Selector, parse_registry_path, parse_version_path
from graph.registry import aliases as collection_aliases
from graph.registry import links


@strawberry.input(description="Give exactly one of artifactVersionId and artifactPath.")
class LinkArtifactInput:
    target_path: str = strawberry.field(
        description="`org/registry-name/collection` (or `org/wandb-registry-name/collection`)."
    )
    artifact_version_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of a committed ArtifactVersion."
    )
    artifact_path: str | None = strawberry.field(
        default=None, description="`org/project/name:vN` or `org/project/name:alias`."
    )
    aliases: list[str] = strawberry.field(
        default_factory=list,
        description="Collection aliases to point at the linked version (at most 20; "
        "LIMIT_EXCEEDED beyond).",
    )


@strawberry.type(description="The result of linkArtifact.")
class LinkArtifactPayload:
    registry_version: RegistryVersion | None = strawberry.field(
        default=None, description="The version as linked; null when `errors` is not empty."
    )
    created: bool = strawberry.field(
        default=False, description="False when the version was already linked (idempotent)."
    )
    collection_created: bool = strawberry.field(
        default=False, description="True when this link created the collection."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="The linked version to remove from its collection.")
class UnlinkArtifactInput:
    path: str = strawberry.field(description="`org/registry-name/collection:vN` or `...:alias`.")


@strawberry.type(description="The result of unlinkArtifact.")
class UnlinkArtifactPayload:
    collection: Collection | None = strawberry.field(
        default=None, description="The collection after the unlink; null on errors."
    )
    unlinked_index: int | None = strawberry.field(
        default=None, description="N of the `vN` that was removed; null on errors."
    )
    source_version_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the ArtifactVersion that was unlinked (it still exists in "
        "its project); null on errors.",
    )
    removed_aliases: list[str] = strawberry.field(
        default_factory=list, description="Collection aliases that named it and were removed."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A collection alias to point at a linked version.")
class SetCollectionAliasInput:
    path: str = strawberry.field(
        description="The version to name: `org/registry-name/collection:vN` or `...:alias`."
    )
    alias: str = strawberry.field(
        description="The alias: a name that does not read as `vN` or a digest (INVALID_NAME "
        "otherwise). `latest` is kept by the registry (INVALID_INPUT); a protected alias needs "
        "registry admin rights (PROTECTED_ALIAS)."
    )


@strawberry.type(description="The result of setCollectionAlias.")
class CollectionAliasPayload:
    registry_version: RegistryVersion | None = strawberry.field(
        default=None, description="The version the alias names now; null on errors."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="A collection alias to remove.")
class RemoveCollectionAliasInput:
    collection_path: str = strawberry.field(description="`org/registry-name/collection`.")
    alias: str = strawberry.field(
        description="The alias; `latest` is kept by the registry (INVALID_INPUT), a protected "
        "alias needs registry admin rights (PROTECTED_ALIAS)."
    )


@strawberry.type(description="The result of removeCollectionAlias.")
class RemoveCollectionAliasPayload:
    removed: bool = strawberry.field(default=False, description="False if there was no alias.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


async def _source_version(info: Info[Context, None], input: LinkArtifactInput) -> str:
    if (input.artifact_version_id is None) == (input.artifact_path is None):
        raise InvalidInput(
            "Give exactly one of artifactVersionId and artifactPath", field="artifactVersionId"
        )
    if input.artifact_version_id is not None:
        return version_node_id(input.artifact_version_id, field="artifactVersionId")
    assert input.artifact_path is not None
    ref = parse_version_path(input.artifact_path, selector=Selector.REQUIRED, field="artifactPath")
    await info.context.authorize(Action.READ, org=ref.artifact.org)
    return (await require_version(info.context.graph, ref, field="artifactPath")).id


@strawberry.type(description="Mutations that link versions into collections and name them.")
class RegistryLinkMutation:
    @strawberry.mutation(
        description="Link a committed version into a collection (created on first link if its "
        "registry exists). Idempotent; NOT_FOUND names a missing registry; TYPE_NOT_ACCEPTED "
        "when the registry or collection holds another type."
    )
    @mutation_errors(LinkArtifactPayload)
    async def link_artifact(
        self, info: Info[Context, None], input: Input[LinkArtifactInput]
    ) -> LinkArtifactPayload:
        target = parse_registry_path(
            input.target_path, selector=Selector.FORBIDDEN, field="targetPath"
        )
        await info.context.authorize(
            Action.WRITE, org=target.org, registry=target.registry, registry_field="targetPath"
        )
        # the version must be one the caller may read (linking refuses other organisations')
        await info.context.authorize(Action.READ, org=target.org)
        version_id = await _source_version(info, input)
        protected_ok = bool(input.aliases) and await may_change_protected(
            info, target.org, target.registry
        )
        result = await links.link_version(
            info.context.graph,
            version_id,
            target,
            aliases=input.aliases,
            actor=info.context.caller.name,
            may_change_protected=protected_ok,
        )
        return LinkArtifactPayload(
            registry_version=RegistryVersion.from_record(result.membership),
            created=result.created,
            collection_created=result.collection_created,
        )

    @strawberry.mutation(
        description="Remove a version from its collection; other indexes never change, "
        "`latest` moves to the most recently linked version left."
    )
    @mutation_errors(UnlinkArtifactPayload)
    async def unlink_artifact(
        self, info: Info[Context, None], input: Input[UnlinkArtifactInput]
    ) -> UnlinkArtifactPayload:
        path = parse_registry_path(input.path, selector=Selector.REQUIRED)
        await info.context.authorize(
            Action.WRITE, org=path.org, registry=path.registry, registry_field="path"
        )
        result = await links.unlink_version(
            info.context.graph,
            path,
            actor=info.context.caller.name,
            may_change_protected=await may_change_protected(info, path.org, path.registry),
        )
        collection = await info.context.loaders.get(load_collections).load(result.collection_id)
        return UnlinkArtifactPayload(
            collection=None if collection is None else Collection.from_record(collection),
            unlinked_index=result.index,
            source_version_id=strawberry.ID(global_id(ARTIFACT_VERSION_TYPE, result.version_id)),
            removed_aliases=list(result.removed_aliases),
        )

    @strawberry.mutation(
        description="Point a collection alias at a linked version (moves are kept as history); "
        "PROTECTED_ALIAS for protected aliases without registry admin rights."
    )
    @mutation_errors(CollectionAliasPayload)
    async def set_collection_alias(
        self, info: Info[Context, None], input: Input[SetCollectionAliasInput]
    ) -> CollectionAliasPayload:
        path = parse_registry_path(input.path, selector=Selector.REQUIRED)
        await info.context.authorize(
            Action.WRITE, org=path.org, registry=path.registry, registry_field="path"
        )
        record = await collection_aliases.set_collection_alias(
            info.context.graph,
            path,
            input.alias,
            actor=info.context.caller.name,
            may_change_protected=await may_change_protected(info, path.org, path.registry),
        )
        return CollectionAliasPayload(registry_version=RegistryVersion.from_record(record))

    @strawberry.mutation(description="Remove a collection alias (not `latest`).")
    @mutation_errors(RemoveCollectionAliasPayload)
    async def remove_collection_alias(
        self, info: Info[Context, None], input: Input[RemoveCollectionAliasInput]
    ) -> RemoveCollectionAliasPayload:
        path = parse_registry_path(
            input.collection_path, selector=Selector.FORBIDDEN, field="collectionPath"
        )
        await info.context.authorize(
            Action.WRITE, org=path.org, registry=path.registry, registry_field="collectionPath"
        )
        removed = await collection_aliases.remove_collection_alias(
            info.context.graph,
            path,
            input.alias,
            actor=info.context.caller.name,
            may_change_protected=await may_change_protected(info, path.org, path.registry),
        )
        return RemoveCollectionAliasPayload(removed=removed)
