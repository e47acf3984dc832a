"""Dataset versions that hold no files: external datasets (a warehouse table, a bucket prefix)
that OpenLineage events describe, versioned by identity instead of content.

Such a version is COMMITTED at once with an empty manifest (no entries, no pages, size 0), so
lineage, aliases, the registry and lookups treat it like any other version. Its `digest` is the
caller's identity of the dataset's state (`api.openlineage.mapping.version_digest`): the same
identity names the same version, a new one makes the artifact's next `vN` and moves `latest`.
The artifact keeps the dataset's OpenLineage identity (`ol_namespace`, `ol_name`, indexed:
`dataset_by_openlineage` finds it), the version its facets (`openlineage`, merged by
`graph.core.facets.merge_facets`, so the order events arrive in does not matter).

`ensure_dataset_versions_tx` runs inside the caller's transaction (which holds the
organisation's lineage lock) and writes a whole batch in a few statements; it records
VERSION_CREATED and the `latest` moves (ALIAS_SET) in that transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.aliases import ARTIFACT_NAMES, EVENT_FIELDS
from graph.artifacts.events import record_alias_event_tx, version_payload, version_subject
from graph.artifacts.records import (
    ARTIFACT_FIELDS,
    ArtifactRecord,
    alias_event_record,
    artifact_record,
)
from graph.core.driver import Graph
from graph.core.errors import Conflict
from graph.core.events import EventType, NewEvent, record_events_tx
from graph.core.facets import canonical_json, decode_facets, merge_facets
from graph.core.refs import LATEST
from graph.core.tx import fetch_one
from graph.core.values import new_id, now

DATASET_TYPE = "dataset"
EMPTY_MANIFEST_DIGEST = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class DatasetVersion:
    """One state of a dataset as an event saw it."""

    project: str
    artifact: str
    digest: str
    namespace: str
    name: str
    at: datetime
    facets: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.project, self.artifact, self.digest)


@dataclass(frozen=True)
class StoredVersion:
    id: str
    element_id: str
    created: bool
    names: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, hash=False)
    """The version as `graph.artifacts.events` names it (a `VERSION_NAMES` row), so callers
    record events about it without reading it again."""


ENSURE_ARTIFACTS: LiteralString = """
MATCH (o:Organization {id: $org_id})
UNWIND $artifacts AS row
MERGE (p:Project {org_id: o.id, name: row.project})
  ON CREATE SET p.id = row.project_id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
MERGE (a:Artifact {project_id: p.id, name: row.artifact})
  ON CREATE SET a.id = row.artifact_id, a.org_id = o.id, a.org_name = o.name,
    a.project_name = p.name, a.type = $type, a.description = null, a.tags = [],
    a.next_index = 0, a.created_at = $now, a.ol_namespace = row.namespace, a.ol_name = row.name
MERGE (p)-[:HAS_ARTIFACT]->(a)
SET a._lock = coalesce(a._lock, 0) + 1
RETURN collect({project: row.project, artifact: row.artifact, id: a.id, type: a.type,
                namespace: a.ol_namespace, name: a.ol_name, next_index: a.next_index,
                org_id: o.id, org_name: o.name})
       AS artifacts
"""

# Through the artifact, not the digest index: version facets repeat across datasets ("1",
# a date), so one digest can name thousands of versions of other artifacts.
EXISTING_VERSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (:Artifact {id: row.artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.digest = row.digest AND v.state = 'COMMITTED'
RETURN collect([row.i, v.id, elementId(v), v.openlineage, v.index]) AS found
"""

CREATE_VERSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Artifact {id: row.artifact_id})
CREATE (v:ArtifactVersion {id: row.id, artifact_id: a.id, artifact_name: a.name,
  artifact_type: a.type, project_id: a.project_id, project_name: a.project_name,
  org_id: a.org_id, org_name: a.org_name, index: row.index, digest: row.digest, size: 0,
  file_count: 0, description: null, metadata: '{}', tags: [], created_at: $now,
  created_by: $actor, state: 'COMMITTED', ttl_seconds: null, expires_at: null,
  manifest_digest: $manifest, manifest_size: 0, page_digests: [], page_counts: [],
  openlineage: row.openlineage})
CREATE (a)-[:HAS_VERSION]->(v)
RETURN collect([row.i, elementId(v)]) AS created
"""

SET_NEXT_INDEX: LiteralString = """
UNWIND $rows AS row
MATCH (a:Artifact {id: row.artifact_id})
SET a.next_index = row.next_index
"""

UPDATE_FACETS: LiteralString = """
UNWIND $rows AS row
MATCH (v:ArtifactVersion) WHERE elementId(v) = row.eid
SET v.openlineage = row.openlineage
"""

# `latest` moved to each artifact's newest version, with its history (aliases.POINT_ALIAS, for
# many artifacts at once).
MOVE_LATEST: LiteralString = (
    """
UNWIND $rows AS row
MATCH (a:Artifact {id: row.artifact_id})-[:HAS_VERSION]->(v:ArtifactVersion {id: row.version_id})
MERGE (al:Alias {artifact_id: a.id, name: $alias})
  ON CREATE SET al.created_at = $now
WITH row, a, v, al
OPTIONAL MATCH (al)-[old:POINTS_TO]->(prev:ArtifactVersion)
WITH row, a, v, al, old, prev
WHERE prev IS NULL OR prev.id <> v.id
DELETE old
CREATE (al)-[:POINTS_TO]->(v)
CREATE (a)-[:HAS_ALIAS_EVENT]->(e:AliasEvent {
  id: row.event_id, artifact_id: a.id, alias: $alias,
  action: CASE WHEN prev IS NULL THEN 'add' ELSE 'move' END,
  from_version_id: prev.id, from_index: prev.index, to_version_id: v.id, to_index: v.index,
  actor: $actor, at: $now
})
RETURN collect({event: """
    + EVENT_FIELDS
    + ", artifact: "
    + ARTIFACT_NAMES
    + "}) AS moves"
)


def _version_facets(version: DatasetVersion, stored: dict[str, Any] | None) -> dict[str, Any]:
    merged = merge_facets(stored, version.facets, version.at)
    return {"namespace": version.namespace, "name": version.name, **merged}


async def ensure_dataset_versions_tx(
    tx: AsyncManagedTransaction,
    *,
    org_id: str,
    versions: Sequence[DatasetVersion],
    actor: str,
) -> dict[tuple[str, str, str], StoredVersion]:
    """The version of each dataset state (by `DatasetVersion.key`), made when missing.

    Projects and dataset artifacts are created on first use. `Conflict` when the artifact a
    dataset maps to exists as another type or for another OpenLineage dataset (the caller's
    name mapping collided). New versions of one artifact take their indexes in the order of
    their event times (then digests); facets of existing versions are merged.
    """
    if not versions:
        return {}
    by_key: dict[tuple[str, str, str], DatasetVersion] = {}
    grouped: dict[tuple[str, str, str], list[DatasetVersion]] = {}
    facets: dict[tuple[str, str, str], dict[str, Any] | None] = {}
    for version in sorted(versions, key=lambda v: (v.at, v.digest)):
        by_key.setdefault(version.key, version)
        grouped.setdefault(version.key, []).append(version)
        facets[version.key] = _version_facets(version, facets.get(version.key))
    artifacts = {(v.project, v.artifact): v for v in by_key.values()}
    record = await (
        await tx.run(
            ENSURE_ARTIFACTS,
            org_id=org_id,
            type=DATASET_TYPE,
            now=now(),
            artifacts=[
                {
                    "project": project,
                    "artifact": artifact,
                    "project_id": new_id(),
                    "artifact_id": new_id(),
                    "namespace": v.namespace,
                    "name": v.name,
                }
                for (project, artifact), v in sorted(artifacts.items())
            ],
        )
    ).single(strict=True)
    stored_artifacts: dict[tuple[str, str], dict[str, Any]] = {}
    for row in record["artifacts"]:
        wanted = artifacts[(row["project"], row["artifact"])]
        if row["type"] != DATASET_TYPE or (row["namespace"], row["name"]) != (
            wanted.namespace,
            wanted.name,
        ):
            raise Conflict(
                f"Artifact {row['project']}/{row['artifact']} exists and is not the dataset "
                f"{wanted.namespace} {wanted.name}",
                field="dataset",
            )
        stored_artifacts[(row["project"], row["artifact"])] = row
    keys = list(by_key)
    rows = [
        {"i": i, "digest": key[2], "artifact_id": stored_artifacts[key[:2]]["id"]}
        for i, key in enumerate(keys)
    ]
    record = await (await tx.run(EXISTING_VERSIONS, rows=rows)).single(strict=True)
    found: list[tuple[int, str, str, str | None, int]] = record["found"]
    result: dict[tuple[str, str, str], StoredVersion] = {}
    updates: list[dict[str, Any]] = []
    for i, version_id, element_id, text, index in found:
        key = keys[i]
        names = _names(stored_artifacts[key[:2]], key, version_id, index)
        result[key] = StoredVersion(version_id, element_id, created=False, names=names)
        merged = decode_facets(text)
        for version in grouped[key]:
            merged = _version_facets(version, merged)
        if canonical_json(merged) != canonical_json(decode_facets(text)):
            updates.append({"eid": element_id, "openlineage": canonical_json(merged)})
    if updates:
        await tx.run(UPDATE_FACETS, rows=updates)
    await _create_missing_tx(tx, keys, result, facets, stored_artifacts, actor)
    return result


async def _create_missing_tx(
    tx: AsyncManagedTransaction,
    keys: list[tuple[str, str, str]],
    result: dict[tuple[str, str, str], StoredVersion],
    facets: dict[tuple[str, str, str], dict[str, Any] | None],
    artifacts: dict[tuple[str, str], dict[str, Any]],
    actor: str,
) -> None:
    missing = [key for key in keys if key not in result]
    if not missing:
        return
    next_index = {key: int(row["next_index"]) for key, row in artifacts.items()}
    rows: list[dict[str, Any]] = []
    for key in missing:  # `keys` is in event-time order
        index = next_index[key[:2]]
        next_index[key[:2]] = index + 1
        rows.append(
            {
                "i": len(rows),
                "id": new_id(),
                "artifact_id": artifacts[key[:2]]["id"],
                "index": index,
                "digest": key[2],
                "openlineage": canonical_json(facets[key]),
            }
        )
    at = now()
    created = await (
        await tx.run(
            CREATE_VERSIONS, rows=rows, now=at, actor=actor, manifest=EMPTY_MANIFEST_DIGEST
        )
    ).single(strict=True)
    pairs: list[tuple[int, str]] = created["created"]
    for i, element_id in pairs:
        key, row = missing[i], rows[i]
        names = _names(artifacts[key[:2]], key, row["id"], row["index"])
        result[key] = StoredVersion(row["id"], element_id, created=True, names=names)
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        newest[row["artifact_id"]] = row
    await tx.run(
        SET_NEXT_INDEX,
        rows=[{"artifact_id": key, "next_index": row["index"] + 1} for key, row in newest.items()],
    )
    await _record_created_tx(tx, missing, rows, artifacts, actor)
    moved = await (
        await tx.run(
            MOVE_LATEST,
            rows=[
                {"artifact_id": key, "version_id": row["id"], "event_id": new_id()}
                for key, row in newest.items()
            ],
            alias=LATEST,
            actor=actor,
            now=at,
        )
    ).single(strict=True)
    for move in moved["moves"]:
        event = alias_event_record(move["event"])
        await record_alias_event_tx(tx, artifact=move["artifact"], event=event, actor=actor)


def _names(
    artifact: dict[str, Any], key: tuple[str, str, str], version_id: str, index: int
) -> dict[str, Any]:
    return {
        "id": version_id,
        "org_id": artifact["org_id"],
        "org": artifact["org_name"],
        "project": key[0],
        "artifact": key[1],
        "type": DATASET_TYPE,
        "index": index,
        "digest": key[2],
    }


async def _record_created_tx(
    tx: AsyncManagedTransaction,
    missing: list[tuple[str, str, str]],
    rows: list[dict[str, Any]],
    artifacts: dict[tuple[str, str], dict[str, Any]],
    actor: str,
) -> None:
    """VERSION_CREATED per new version, from what this batch already knows (no lookup)."""
    if not rows:
        return
    sample = next(iter(artifacts.values()))
    events: list[NewEvent] = []
    for key, row in zip(missing, rows, strict=True):
        names = _names(artifacts[key[:2]], key, row["id"], row["index"])
        events.append(
            NewEvent(
                EventType.VERSION_CREATED,
                version_subject(names),
                {**version_payload(names), "size": 0, "files": 0},
            )
        )
    await record_events_tx(tx, org_id=sample["org_id"], actor=actor, events=events)


DATASET_BY_OPENLINEAGE: LiteralString = (
    """
MATCH (a:Artifact {ol_namespace: $namespace, ol_name: $name})
WHERE a.org_name = $org
RETURN """
    + ARTIFACT_FIELDS
    + " AS artifact LIMIT 1"
)


async def dataset_by_openlineage(
    graph: Graph, org: str, namespace: str, name: str
) -> ArtifactRecord | None:
    """The artifact holding the OpenLineage dataset (namespace, name) in `org`, if any."""
    row = await graph.read(
        fetch_one, DATASET_BY_OPENLINEAGE, org=org, namespace=namespace, name=name
    )
    return None if row is None else artifact_record(row["artifact"])


OPENLINEAGE_OF: LiteralString = """
UNWIND $ids AS id
OPTIONAL MATCH (a:Artifact {id: id})
OPTIONAL MATCH (v:ArtifactVersion {id: id})
RETURN collect([id, a.ol_namespace, a.ol_name, v.openlineage]) AS rows
"""


async def openlineage_of(graph: Graph, ids: list[str]) -> list[dict[str, Any] | None]:
    """The OpenLineage identity of artifacts (`{namespace, name}`), or identity and facets of
    versions (`{namespace, name, facets}`), by id, in the order of `ids`; None for those that
    did not come from OpenLineage."""
    row = await graph.read(fetch_one, OPENLINEAGE_OF, ids=ids)
    found: dict[str, dict[str, Any]] = {}
    for node_id, namespace, name, text in (row or {}).get("rows", []):
        stored = decode_facets(text)
        if stored is not None:
            found[node_id] = {
                "namespace": stored.get("namespace"),
                "name": stored.get("name"),
                "facets": stored.get("facets") or {},
            }
        elif namespace is not None:
            found[node_id] = {"namespace": namespace, "name": name}
    return [found.get(node_id) for node_id in ids]
