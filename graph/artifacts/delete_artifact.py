"""Deleting a whole artifact: every version, its drafts, aliases and alias history, the node.

Each committed version is deleted exactly as `graph.artifacts.delete_version` deletes one: it
becomes a
DELETED tombstone that keeps its `CONSUMED`/`PRODUCED` edges (runs still record that they used
or made it; lineage shows only COMMITTED versions) and its blob links, which garbage collection
releases later (`graph.artifacts.gc`), deleting a blob only when no other version or draft holds
it. So
deleting an artifact of many large versions is one transaction of a few small statements per
version. Pending drafts of the artifact (same organisation, project and name) are discarded as
`discardArtifactDraft` does; the `Artifact` node goes with its `Alias` and `AliasEvent` nodes.
The name is then free: a later commit creates a new artifact (new id, indexes from v0).

Refusals, with nothing changed: a version linked into a registry collection
(HAS_LINKED_VERSIONS, naming how many and where the first are linked: unlink them or delete the
collections first; a collection of a RESTRICTED registry is never named, since the caller may
be a member who must not learn that registry exists); custom aliases (HAS_ALIASES) unless
`drop_aliases` (`latest` never blocks).

Concurrency: the transaction first locks and discards the artifact's drafts, then locks the
artifact (`a._lock`, which commits, alias moves, updates and version deletions take too): the
order a commit takes them in, so the two never deadlock. It reads versions, aliases and links
only once it holds the lock. A commit that got there first is a version like the others
(deleted, or a reason to refuse); a commit of a discarded draft that starts later finds it gone
(NOT_FOUND). One that was already queued on the draft's lock resumes on a deleted node and
writes nothing, but until the commit reads the draft again under its lock
(`graph/artifacts/commit.py`) it reports an internal error. A draft started after the deletion
began is not part of it: committing it creates a new artifact. A refusal rolls everything back,
the drafts included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.drafts import DELETE_DRAFT
from graph.artifacts.events import record_version_events_tx
from graph.core.audit import record_audit_tx
from graph.core.driver import Graph
from graph.core.errors import HasAliases, HasLinkedVersions, NotFound
from graph.core.events import EventType
from graph.core.refs import LATEST, collection_path
from graph.core.tx import fetch_all, fetch_one, fetch_single
from graph.core.values import now

SHOWN_LINKS = 3

FIND_ARTIFACT: LiteralString = """
MATCH (o:Organization)-[:HAS_PROJECT]->(p:Project)-[:HAS_ARTIFACT]->(a:Artifact {id: $artifact_id})
RETURN o.name AS org, p.name AS project, a.name AS name
"""

# A draft's commit locks the draft before the artifact; taking them in that order too means
# the two never deadlock. The drafts are deleted by `DELETE_DRAFT` in the next statements, which
# read their state again under the lock: one committed meanwhile is a version, deleted below.
LOCK_DRAFTS: LiteralString = """
MATCH (d:ArtifactVersion {state: 'PENDING'})
WHERE d.org_name = $org AND d.project_name = $project AND d.artifact_name = $name
SET d._lock = coalesce(d._lock, 0) + 1
RETURN d.id AS id
"""

LOCK_ARTIFACT: LiteralString = """
MATCH (o:Organization)-[:HAS_PROJECT]->(p:Project)-[:HAS_ARTIFACT]->(a:Artifact {id: $artifact_id})
SET a._lock = coalesce(a._lock, 0) + 1
RETURN a.id AS id, o.id AS org_id, o.name + '/' + p.name + '/' + a.name AS path, a.name AS name,
       a.type AS type
"""

# Links into RESTRICTED registries come last and without their collection's path.
LINKED: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)-[l:LINKED_TO]->
      (c:Collection)
OPTIONAL MATCH (r:Registry)-[:HAS_COLLECTION]->(c)
WITH v, l, c, coalesce(r.visibility, '') = 'RESTRICTED' AS hidden
ORDER BY hidden, v.index, c.org_name, c.registry_name, c.name
RETURN count(DISTINCT v) AS versions,
       collect(CASE WHEN hidden THEN {index: v.index, hidden: true}
                    ELSE {index: v.index, hidden: false, org: c.org_name,
                          registry: c.registry_name, collection: c.name, at: l.index}
               END)[..$shown] AS first
"""

CUSTOM_ALIASES: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)<-[:POINTS_TO]-(al:Alias)
WHERE al.name <> $latest
RETURN al.name AS alias, v.index AS index
ORDER BY v.index, al.name
"""

# `name IS NOT NULL` lets the planner seek the (artifact_id, name) constraint's index.
DELETE_ALIASES: LiteralString = """
MATCH (al:Alias)
WHERE al.artifact_id = $artifact_id AND al.name IS NOT NULL
DETACH DELETE al
"""

DELETE_ALIAS_HISTORY: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_ALIAS_EVENT]->(e:AliasEvent)
DETACH DELETE e
"""

# The same tombstone `graph.artifacts.delete_version.MARK_DELETED` makes of one version.
MARK_VERSIONS_DELETED: LiteralString = """
MATCH (:Artifact {id: $artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
SET v.state = 'DELETED', v.deleted_at = $now, v.deleted_by = $actor, v.expires_at = null
WITH v ORDER BY v.index
RETURN count(v) AS deleted, collect(v.id) AS ids
"""

# DETACH removes HAS_ARTIFACT and the HAS_VERSION edges of the tombstones, which keep their
# blob links (until GC) and lineage edges.
DELETE_ARTIFACT: LiteralString = """
MATCH (a:Artifact {id: $artifact_id})
DETACH DELETE a
"""


@dataclass(frozen=True)
class DeletedArtifact:
    artifact_id: str
    path: str
    type: str
    deleted_versions: int
    discarded_drafts: int
    removed_aliases: tuple[str, ...]
    """Custom aliases dropped, as `vN:alias`, by index then name."""


def _linked_error(path: str, linked: dict[str, Any]) -> HasLinkedVersions:
    first: list[dict[str, Any]] = linked["first"]
    where = ", ".join(
        f"v{row['index']} in a restricted registry"
        if row["hidden"]
        else f"v{row['index']} in "
        f"{collection_path(row['org'], row['registry'], row['collection'])}:v{row['at']}"
        for row in first
    )
    return HasLinkedVersions(
        f"{linked['versions']} version(s) of {path} are linked in the registry ({where}"
        f"{', ...' if linked['versions'] > len(first) else ''}); unlink them or delete "
        "those collections first",
        field="id",
    )


async def _delete_tx(
    tx: AsyncManagedTransaction, artifact_id: str, drop_aliases: bool, actor: str
) -> DeletedArtifact:
    found = await fetch_one(tx, FIND_ARTIFACT, artifact_id=artifact_id)
    if found is None:
        raise NotFound("Artifact not found", field="id")
    discarded = 0
    for row in await fetch_all(tx, LOCK_DRAFTS, **found):
        deleted_draft = await fetch_one(tx, DELETE_DRAFT, id=row["id"])
        discarded += int(deleted_draft["deleted"]) if deleted_draft else 0
    head = await fetch_one(tx, LOCK_ARTIFACT, artifact_id=artifact_id)
    if head is None:
        raise NotFound("Artifact not found (deleted meanwhile)", field="id")
    path = str(head["path"])
    linked = await fetch_single(tx, LINKED, artifact_id=artifact_id, shown=SHOWN_LINKS)
    if linked["versions"]:
        raise _linked_error(path, linked)
    aliases = [
        f"v{row['index']}:{row['alias']}"
        for row in await fetch_all(tx, CUSTOM_ALIASES, artifact_id=artifact_id, latest=LATEST)
    ]
    if aliases and not drop_aliases:
        raise HasAliases(
            f"Versions of {path} have aliases {', '.join(aliases)}; remove them or pass "
            "deleteAliases: true",
            field="deleteAliases",
        )
    await tx.run(DELETE_ALIASES, artifact_id=artifact_id)
    await tx.run(DELETE_ALIAS_HISTORY, artifact_id=artifact_id)
    marked = await fetch_single(
        tx, MARK_VERSIONS_DELETED, artifact_id=artifact_id, now=now(), actor=actor
    )
    await tx.run(DELETE_ARTIFACT, artifact_id=artifact_id)
    await record_version_events_tx(
        tx,
        type=EventType.VERSION_DELETED,
        version_ids=marked["ids"],
        actor=actor,
        payload={"reason": "artifact.delete"},
    )
    deleted = DeletedArtifact(
        artifact_id=artifact_id,
        path=path,
        type=str(head["type"]),
        deleted_versions=int(marked["deleted"]),
        discarded_drafts=discarded,
        removed_aliases=tuple(aliases),
    )
    await record_audit_tx(
        tx,
        org_id=head["org_id"],
        actor=actor,
        action="artifact.delete",
        target_kind="Artifact",
        target_id=artifact_id,
        details={
            "path": path,
            "name": head["name"],
            "type": deleted.type,
            "versions": deleted.deleted_versions,
            "discarded_drafts": discarded,
            "dropped_aliases": list(aliases),
        },
    )
    return deleted


async def delete_artifact(
    graph: Graph, artifact_id: str, *, actor: str, drop_aliases: bool = False
) -> DeletedArtifact:
    """Delete the artifact and all its versions in one transaction (see the module doc).

    NOT_FOUND when there is no such artifact (or it was deleted meanwhile); HAS_LINKED_VERSIONS
    or HAS_ALIASES as described above, having changed nothing.
    """
    return await graph.write(_delete_tx, artifact_id, drop_aliases, actor)
