"""Link and unlink: `(ArtifactVersion)-[:LINKED_TO {collection_id, index, linked_at, linked_by}]->
(Collection)`.

Linking takes a committed version from its project into an organisation's registry. The
collection index `vN` counts links in order: each link reads and bumps `c.next_index` while
holding the collection's write lock (see `graph.registry.targets`), so concurrent links get
distinct, gap-free indexes in commit order; a uniqueness constraint on `(collection_id, index)`
backs this up. Linking a version that is already in the collection is idempotent (same index,
nothing recorded).
Unlinking removes one edge and the aliases on it; other indexes never change, and `latest`
moves to the most recently linked version that remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts import lock_committed_version_tx
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import Conflict, InvalidInput, LimitExceeded, NotFound, TypeNotAccepted
from graph.core.events import EventType
from graph.core.refs import LATEST, RegistryPath
from graph.core.retry import write_retrying
from graph.core.tx import fetch_one, fetch_single
from graph.core.values import new_id, now
from graph.registry.aliases import (
    aliases_of_version_tx,
    check_protected,
    drop_alias_tx,
    point_alias_tx,
    user_alias,
)
from graph.registry.events import record_collection_created_tx, record_link_event_tx
from graph.registry.records import (
    REGISTRY_PROJECTION,
    MembershipRecord,
    registry_record,
)
from graph.registry.registries import ensure_core_registries_tx
from graph.registry.targets import (
    LockedCollection,
    Selected,
    lock_collection_tx,
    lock_tx,
    select_version_tx,
)
from graph.registry.versions import membership_tx

MAX_ALIASES_PER_LINK = 20

LINK_CONTEXT: LiteralString = (
    """
OPTIONAL MATCH (r:Registry {org_id: $org_id, name: $registry})
OPTIONAL MATCH (v:ArtifactVersion {id: $version_id})
RETURN """
    + REGISTRY_PROJECTION
    + """ AS registry,
       v {.id, .org_id, .org_name, .state, .artifact_type, .artifact_name, .project_name,
          .index} AS version
"""
)

FIND_COLLECTION: LiteralString = """
MATCH (c:Collection {registry_id: $registry_id, name: $name})
RETURN c.id AS id, c.name AS name, c.type AS type, false AS created
"""

MERGE_COLLECTION: LiteralString = """
MATCH (r:Registry {id: $registry_id})
MERGE (c:Collection {registry_id: r.id, name: $name})
ON CREATE SET c.id = $id, c.registry_name = r.name, c.org_id = r.org_id, c.org_name = r.org_name,
  c.type = $type, c.description = '', c.tags = [], c.next_index = 0, c.created_at = $now,
  c.created_by = $actor
WITH r, c, c.id = $id AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | CREATE (r)-[:HAS_COLLECTION]->(c))
RETURN c.id AS id, c.name AS name, c.type AS type, created
"""

EXISTING_LINK: LiteralString = """
MATCH (:ArtifactVersion {id: $version_id})-[l:LINKED_TO {collection_id: $collection_id}]->
      (:Collection)
RETURN l.index AS index
"""

CREATE_LINK: LiteralString = """
MATCH (c:Collection {id: $collection_id})
MATCH (v:ArtifactVersion {id: $version_id})
WITH c, v, c.next_index AS index
CREATE (v)-[:LINKED_TO {collection_id: c.id, index: index, linked_at: $now,
                        linked_by: $actor}]->(c)
SET c.next_index = index + 1
RETURN index
"""

# The edge is kept as WAS_LINKED_TO (same properties, plus when and by whom it went), so the
# collection's past still resolves (graph/registry/history.py) and the index is never reused.
DELETE_LINK: LiteralString = """
MATCH (v:ArtifactVersion {id: $version_id})-[l:LINKED_TO {collection_id: $collection_id}]->
      (c:Collection)
CREATE (v)-[was:WAS_LINKED_TO]->(c)
SET was = properties(l), was.unlinked_at = $now, was.unlinked_by = $actor
DELETE l
"""

NEWEST_REMAINING: LiteralString = """
MATCH (v:ArtifactVersion)-[l:LINKED_TO]->(:Collection)
WHERE l.collection_id = $collection_id AND l.index IS NOT NULL  // the (collection_id, index) index
  AND v.state = 'COMMITTED'
RETURN v.id AS version_id, l.index AS index
ORDER BY l.collection_id DESC, l.index DESC  // both: the index gives the order, no sort of all
LIMIT 1
"""


@dataclass(frozen=True)
class LinkResult:
    membership: MembershipRecord
    created: bool
    """False when the version was already linked: the call changed no index."""
    collection_created: bool


@dataclass(frozen=True)
class UnlinkResult:
    collection_id: str
    version_id: str
    index: int
    removed_aliases: tuple[str, ...]


def _aliases(values: Sequence[str]) -> list[str]:
    aliases = sorted({user_alias(a, field="aliases") for a in values})
    if len(aliases) > MAX_ALIASES_PER_LINK:
        raise LimitExceeded(f"At most {MAX_ALIASES_PER_LINK} aliases per link", field="aliases")
    return aliases


async def _lock_version_tx(tx: AsyncManagedTransaction, version_id: str) -> None:
    """Hold the version's artifact lock, taken after the collection's (never the other way round
    anywhere), and check it is still committed: a deletion that committed while this link
    waited has made it a tombstone (or removed its artifact)."""
    if await lock_committed_version_tx(tx, version_id) is None:
        raise NotFound(f"Artifact version {version_id!r} not found", field="artifactVersionId")


def _of_organization(version: dict[str, Any], org: str, org_id: str) -> bool:
    if version.get("org_id") is not None:
        return bool(version["org_id"] == org_id)
    return bool(version.get("org_name") == org)  # a draft has the organisation's name only


def _check_version(version: dict[str, Any] | None, version_id: str, org: str, org_id: str) -> None:
    # Another organisation's version is answered as a missing one, before its state is told:
    # the refusal must not say that an id exists elsewhere.
    if (
        version is None
        or version.get("state") == "DELETED"
        or not _of_organization(version, org, org_id)
    ):
        raise NotFound(
            f"Artifact version {version_id!r} not found in organization {org!r} (a registry "
            "links versions of its own organization)",
            field="artifactVersionId",
        )
    if version.get("state") != "COMMITTED":
        raise Conflict(
            f"Artifact version {version_id!r} is not committed yet; commit it before linking",
            field="artifactVersionId",
        )


async def link_version(
    graph: Graph,
    version_id: str,
    target: RegistryPath,
    *,
    aliases: Sequence[str] = (),
    actor: str,
    may_change_protected: bool = False,
) -> LinkResult:
    """Link a committed version into `target` (a collection path), creating the collection on
    the first link when its registry exists, and point `aliases` at it.

    Refusals: `NOT_FOUND` naming the registry, `TYPE_NOT_ACCEPTED` when the registry or the
    collection holds another type, `PROTECTED_ALIAS` for protected aliases without admin rights.
    """
    if target.selector is not None:
        raise InvalidInput(
            "Link into a collection path without ':vN' or ':alias'", field="targetPath"
        )
    wanted = _aliases(aliases)

    async def work(tx: AsyncManagedTransaction) -> LinkResult:
        org_id = await ensure_core_registries_tx(tx, target.org)
        ctx = await fetch_single(
            tx, LINK_CONTEXT, org_id=org_id, registry=target.registry, version_id=version_id
        )
        if ctx["registry"] is None:
            raise NotFound(
                f"Registry {target.registry!r} not found in organization {target.org!r}",
                field="targetPath",
            )
        registry = registry_record(ctx["registry"])
        version = ctx["version"]
        _check_version(version, version_id, target.org, org_id)
        artifact_type = str(version["artifact_type"])
        if not registry.accepts(artifact_type):
            raise TypeNotAccepted(
                f"Registry {registry.name!r} does not accept artifact type {artifact_type!r} "
                f"(accepts {', '.join(registry.accepted_types)})",
                field="targetPath",
            )
        row = await fetch_one(
            tx, FIND_COLLECTION, registry_id=registry.id, name=target.collection
        ) or await fetch_single(
            tx,
            MERGE_COLLECTION,
            registry_id=registry.id,
            name=target.collection,
            id=new_id(),
            type=artifact_type,
            now=now(),
            actor=actor,
        )
        await lock_tx(tx, row["id"])
        if row["type"] != artifact_type:
            raise TypeNotAccepted(
                f"Collection {target.collection_path} holds {row['type']!r} versions; "
                f"this version is a {artifact_type!r}",
                field="targetPath",
            )
        collection = LockedCollection(
            id=row["id"],
            org_id=org_id,
            org_name=target.org,
            registry_id=registry.id,
            registry_name=registry.name,
            name=row["name"],
            type=row["type"],
            protected_aliases=registry.protected_aliases,
        )
        check_protected(collection, wanted, may_change_protected)
        await _lock_version_tx(tx, version_id)
        if row["created"]:
            await record_collection_created_tx(
                tx,
                org_id=org_id,
                org=target.org,
                registry=registry.name,
                collection=collection.name,
                collection_id=collection.id,
                type=artifact_type,
                actor=actor,
                by_link=True,
            )
            await record_audit_tx(
                tx,
                org_id=org_id,
                actor=actor,
                action="collection.create",
                target_kind="Collection",
                target_id=collection.id,
                details={"path": collection.path, "type": artifact_type, "by_link": True},
            )
        existing = await fetch_one(
            tx, EXISTING_LINK, version_id=version_id, collection_id=collection.id
        )
        created = existing is None
        if existing is not None:
            selected = Selected(version_id, int(existing["index"]))
        else:
            index_row = await fetch_single(
                tx,
                CREATE_LINK,
                collection_id=collection.id,
                version_id=version_id,
                now=now(),
                actor=actor,
            )
            selected = Selected(version_id, int(index_row["index"]))
            source = f"{version['project_name']}/{version['artifact_name']}:v{version['index']}"
            await record_link_event_tx(
                tx,
                type=EventType.VERSION_LINKED,
                org_id=org_id,
                org=target.org,
                registry=registry.name,
                collection=collection.name,
                collection_id=collection.id,
                version_id=version_id,
                index=selected.index,
                actor=actor,
                details={"source": f"{target.org}/{source}", "artifactType": artifact_type},
            )
            await point_alias_tx(tx, collection, LATEST, selected, actor=actor)
            await record_audit_tx(
                tx,
                org_id=org_id,
                actor=actor,
                action="registry.link",
                target_kind="Collection",
                target_id=collection.id,
                details={
                    "path": f"{collection.path}:v{selected.index}",
                    "version_id": version_id,
                    "source": f"{version['project_name']}/{version['artifact_name']}"
                    f":v{version['index']}",
                },
            )
        for alias in wanted:
            await point_alias_tx(tx, collection, alias, selected, actor=actor)
        return LinkResult(
            membership=await membership_tx(tx, collection.id, version_id),
            created=created,
            collection_created=bool(row["created"]),
        )

    return await write_retrying(graph, work)


async def unlink_version(
    graph: Graph, path: RegistryPath, *, actor: str, may_change_protected: bool = False
) -> UnlinkResult:
    """Remove the version `path` (`...:vN` or `...:alias`) names from its collection.

    Its aliases go with it (recorded as removals); `latest` moves to the most recently linked
    version that remains, or disappears with the last one. `PROTECTED_ALIAS` when the version
    holds a protected alias and the caller may not change it.
    """
    if path.selector is None:
        raise InvalidInput("Name the version to unlink with ':vN' or ':<alias>'", field="path")
    selector = path.selector

    async def work(tx: AsyncManagedTransaction) -> UnlinkResult:
        collection = await lock_collection_tx(tx, path)
        selected = await select_version_tx(tx, collection, selector)
        aliases = await aliases_of_version_tx(tx, collection, selected.version_id)
        check_protected(collection, aliases, may_change_protected)
        await tx.run(
            DELETE_LINK,
            version_id=selected.version_id,
            collection_id=collection.id,
            now=now(),
            actor=actor,
        )
        await record_link_event_tx(
            tx,
            type=EventType.VERSION_UNLINKED,
            org_id=collection.org_id,
            org=collection.org_name,
            registry=collection.registry_name,
            collection=collection.name,
            collection_id=collection.id,
            version_id=selected.version_id,
            index=selected.index,
            actor=actor,
            details={"aliases": aliases},
        )
        for alias in aliases:
            if alias != LATEST:
                await drop_alias_tx(tx, collection, alias, actor=actor)
        if LATEST in aliases:
            newest = await fetch_one(tx, NEWEST_REMAINING, collection_id=collection.id)
            if newest is None:
                await drop_alias_tx(tx, collection, LATEST, actor=actor)
            else:
                await point_alias_tx(
                    tx,
                    collection,
                    LATEST,
                    Selected(newest["version_id"], int(newest["index"])),
                    actor=actor,
                )
        await record_audit_tx(
            tx,
            org_id=collection.org_id,
            actor=actor,
            action="registry.unlink",
            target_kind="Collection",
            target_id=collection.id,
            details={
                "path": f"{collection.path}:v{selected.index}",
                "version_id": selected.version_id,
                "aliases": aliases,
            },
        )
        return UnlinkResult(collection.id, selected.version_id, selected.index, tuple(aliases))

    return await graph.write(work)
