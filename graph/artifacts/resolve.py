"""The committed project version a path names now: the one family of version-by-path lookups.

`org/project/name:vN` is the version with that index, `:<sha256>` the (newest) one with that
manifest digest, `:alias` the one the alias points at; `latest` without a `latest` alias on a
committed version is the newest committed version. Only COMMITTED versions are ever found:
drafts and deleted versions are invisible. Everything that resolves a path (lookups by path,
lineage edges, registry links) goes through `resolve_version_tx`, inside its own transaction
where it must see the state it writes against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.refs import LATEST, SelectorKind, VersionRef
from graph.core.tx import fetch_one

_ARTIFACT: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: $name})
"""

_FOUND: LiteralString = """
RETURN v.id AS id, v.org_id AS org_id
"""

BY_INDEX: LiteralString = (
    _ARTIFACT
    + """MATCH (v:ArtifactVersion {artifact_id: a.id, index: $index})
WHERE v.state = 'COMMITTED'"""
    + _FOUND
)

BY_ALIAS: LiteralString = (
    _ARTIFACT
    + """MATCH (:Alias {artifact_id: a.id, name: $alias})-[:POINTS_TO]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'"""
    + _FOUND
)

BY_DIGEST: LiteralString = (
    _ARTIFACT
    + """MATCH (v:ArtifactVersion {digest: $digest})
WHERE v.artifact_id = a.id AND v.state = 'COMMITTED'
WITH v ORDER BY v.index DESC LIMIT 1"""
    + _FOUND
)

NEWEST: LiteralString = (
    _ARTIFACT
    + """MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
WITH v ORDER BY v.index DESC LIMIT 1"""
    + _FOUND
)


# The same lookups for many paths in one statement (bulk ingest): each row of `$refs` carries
# `key` and the parts `ref_row` gives; a row finds its version by exactly one of index, digest
# or alias, `latest` falling back to the newest committed version as above. Returns, per found
# path, [key, id, element id, org id, first producer's id] (the producer: edges are written
# next, and a version's first producer is the one a re-producing run must not contradict).
RESOLVE_MANY: LiteralString = """
UNWIND $refs AS ref
MATCH (:Organization {name: ref.org})-[:HAS_PROJECT]->(:Project {name: ref.project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: ref.name})
CALL (a, ref) {
  MATCH (v:ArtifactVersion {artifact_id: a.id, index: ref.index})
  WHERE ref.index IS NOT NULL AND v.state = 'COMMITTED'
  RETURN v
  UNION
  MATCH (:Alias {artifact_id: a.id, name: ref.alias})-[:POINTS_TO]->(v:ArtifactVersion)
  WHERE ref.alias IS NOT NULL AND v.state = 'COMMITTED'
  RETURN v
  UNION
  WITH a, ref  // filter first, so other paths never expand the artifact's versions
  WHERE ref.alias = 'latest'
    AND NOT EXISTS { MATCH (:Alias {artifact_id: a.id, name: 'latest'})-[:POINTS_TO]->(l)
                     WHERE l.state = 'COMMITTED' }
  MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion)
  WHERE v.state = 'COMMITTED'
  WITH v ORDER BY v.index DESC LIMIT 1
  RETURN v
  UNION
  WITH a, ref
  WHERE ref.digest IS NOT NULL
  MATCH (v:ArtifactVersion {digest: ref.digest})
  WHERE v.artifact_id = a.id AND v.state = 'COMMITTED'
  WITH v ORDER BY v.index DESC LIMIT 1
  RETURN v
}
OPTIONAL CALL (v) {  // the producer: the first run (later ones re-produced it)
  MATCH (p:Run)-[e:PRODUCED]->(v)
  RETURN p ORDER BY e.at, p.id LIMIT 1
}
RETURN collect([ref.key, v.id, elementId(v), v.org_id, p.id]) AS found
"""


def ref_row(key: str, ref: VersionRef) -> dict[str, object]:
    """One row of `RESOLVE_MANY`'s `$refs`: the path's parts and its one selector."""
    return {
        "key": key,
        "org": ref.artifact.org,
        "project": ref.artifact.project,
        "name": ref.artifact.name,
        "index": ref.index,
        "alias": ref.alias,
        "digest": ref.digest,
    }


@dataclass(frozen=True)
class ResolvedVersion:
    id: str
    org_id: str


async def resolve_version_tx(
    tx: AsyncManagedTransaction, ref: VersionRef
) -> ResolvedVersion | None:
    """Inside a transaction: the committed version `ref` names, or None."""
    key = ref.artifact
    names = {"org": key.org, "project": key.project, "name": key.name}
    if ref.kind is SelectorKind.INDEX:
        row = await fetch_one(tx, BY_INDEX, index=ref.index, **names)
    elif ref.kind is SelectorKind.DIGEST:
        row = await fetch_one(tx, BY_DIGEST, digest=ref.value, **names)
    else:
        row = await fetch_one(tx, BY_ALIAS, alias=ref.value, **names)
        if row is None and ref.value == LATEST:
            row = await fetch_one(tx, NEWEST, **names)
    return None if row is None else ResolvedVersion(str(row["id"]), str(row["org_id"]))


async def require_version_tx(
    tx: AsyncManagedTransaction, ref: VersionRef, *, field: str = "path"
) -> ResolvedVersion:
    """`resolve_version_tx`, with `NotFound` naming the path when there is no such version."""
    found = await resolve_version_tx(tx, ref)
    if found is None:
        raise NotFound(f"No committed artifact version at {ref}", field=field)
    return found


async def resolve_version(graph: Graph, ref: VersionRef) -> ResolvedVersion | None:
    """The committed version `ref` names now, or None (one read transaction)."""
    return await graph.read(resolve_version_tx, ref)


async def require_version(graph: Graph, ref: VersionRef, *, field: str = "path") -> ResolvedVersion:
    """`resolve_version`, with `NotFound` naming the path when there is no such version."""
    return await graph.read(require_version_tx, ref, field=field)
