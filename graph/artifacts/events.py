"""Recording artifact events (`graph.core.events`) about versions: their names are read from the
version node itself (it carries its organisation, project and artifact names), so every caller
passes ids only, and the event says `org/project/artifact:vN` the way users address it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts.records import AliasEventRecord, VersionRecord
from graph.core.events import (
    EventSubject,
    EventType,
    NewEvent,
    global_id,
    record_events_tx,
)
from graph.core.tx import fetch_all

VERSION_NAMES: LiteralString = """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
RETURN v.id AS id, v.org_id AS org_id, v.org_name AS org, v.project_name AS project,
       v.artifact_name AS artifact, v.artifact_type AS type, v.index AS index,
       v.digest AS digest
"""


def version_subject(row: dict[str, Any], *, alias: str | None = None) -> EventSubject:
    return EventSubject(
        kind="ArtifactVersion",
        id=row["id"],
        path=f"{row['org']}/{row['project']}/{row['artifact']}:v{row['index']}",
        project=row["project"],
        artifact=row["artifact"],
        alias=alias,
    )


def version_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": f"v{row['index']}",
        "index": row["index"],
        "artifactType": row["type"],
        "digest": row["digest"],
    }


async def record_version_events_tx(
    tx: AsyncManagedTransaction,
    *,
    type: EventType,
    version_ids: Sequence[str],
    actor: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """One `type` event per version (all of one organisation), in the order given."""
    rows = {row["id"]: row for row in await fetch_all(tx, VERSION_NAMES, ids=list(version_ids))}
    found = [rows[version_id] for version_id in version_ids if version_id in rows]
    if not found:
        return
    await record_events_tx(
        tx,
        org_id=found[0]["org_id"],
        actor=actor,
        events=[
            NewEvent(type, version_subject(row), {**version_payload(row), **(payload or {})})
            for row in found
        ],
    )


async def record_alias_event_tx(
    tx: AsyncManagedTransaction,
    *,
    artifact: dict[str, Any],
    event: AliasEventRecord,
    actor: str,
) -> None:
    """ALIAS_SET (to a version, maybe from another) or ALIAS_REMOVED (from a version only), from
    the alias change itself and its artifact's names (`aliases.ARTIFACT_NAMES`): no lookup, as
    every commit moves `latest`. The subject is the version the alias names now, or named until
    now when removed."""

    def row(version_id: str | None, index: int | None) -> dict[str, Any] | None:
        if version_id is None or index is None:
            return None
        return {
            "id": version_id,
            "org_id": artifact["org_id"],
            "org": artifact["org_name"],
            "project": artifact["project_name"],
            "artifact": artifact["name"],
            "type": artifact["type"],
            "index": index,
        }

    before = row(event.from_version_id, event.from_index)
    after = row(event.to_version_id, event.to_index)
    subject_row = after or before
    if subject_row is None:
        return
    event_type = EventType.ALIAS_SET if after is not None else EventType.ALIAS_REMOVED
    payload: dict[str, Any] = {
        "alias": event.alias,
        "scope": "artifact",
        "artifactType": artifact["type"],
        "from": None if before is None else _version_ref(before),
        "to": None if after is None else _version_ref(after),
    }
    await record_events_tx(
        tx,
        org_id=artifact["org_id"],
        actor=actor,
        events=[NewEvent(event_type, version_subject(subject_row, alias=event.alias), payload)],
    )


def version_row(version: VersionRecord) -> dict[str, Any]:
    """A committed version's record as the rows `VERSION_NAMES` returns."""
    return {
        "id": version.id,
        "org_id": version.org_id,
        "org": version.org_name,
        "project": version.project_name,
        "artifact": version.artifact_name,
        "type": version.artifact_type,
        "index": version.index,
        "digest": version.digest,
    }


async def record_version_created_tx(
    tx: AsyncManagedTransaction, *, version: VersionRecord, actor: str, payload: dict[str, Any]
) -> None:
    """VERSION_CREATED from the record the commit read anyway (no lookup)."""
    row = version_row(version)
    await record_events_tx(
        tx,
        org_id=version.org_id,
        actor=actor,
        events=[
            NewEvent(
                EventType.VERSION_CREATED, version_subject(row), {**version_payload(row), **payload}
            )
        ],
    )


def _version_ref(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": global_id("ArtifactVersion", row["id"]),
        "path": version_subject(row).path,
        "version": f"v{row['index']}",
    }


@dataclass(frozen=True)
class EdgeKey:
    """A lineage edge just created: `kind` is CONSUMED or PRODUCED."""

    run_id: str
    version_id: str
    kind: str


EDGE_NAMES: LiteralString = """
UNWIND $edges AS e
MATCH (r:Run {id: e.run})
MATCH (v:ArtifactVersion {id: e.version})
RETURN e.i AS i, e.kind AS kind, r.id AS run_id, r.name AS run_name, r.job_type AS job_type,
       r.client_id AS run_client_id, v.id AS id, v.org_id AS org_id, v.org_name AS org,
       v.project_name AS project, v.artifact_name AS artifact, v.artifact_type AS type,
       v.index AS index, v.digest AS digest
ORDER BY i
"""


async def record_edge_events_tx(
    tx: AsyncManagedTransaction, *, edges: Sequence[EdgeKey], actor: str
) -> None:
    """LINEAGE_EDGE_ADDED per edge (all of one organisation): the subject is the version, so
    filters on project and artifact select the edges of that artifact; the run is in the
    payload."""
    if not edges:
        return
    rows = await fetch_all(
        tx,
        EDGE_NAMES,
        edges=[
            {"i": i, "run": e.run_id, "version": e.version_id, "kind": e.kind}
            for i, e in enumerate(edges)
        ],
    )
    if not rows:
        return
    await record_events_tx(
        tx,
        org_id=rows[0]["org_id"],
        actor=actor,
        events=[
            edge_event(
                row["kind"],
                {
                    "id": row["run_id"],
                    "name": row["run_name"],
                    "job_type": row["job_type"],
                    "client_id": row["run_client_id"],
                },
                row,
            )
            for row in rows
        ],
    )


def edge_event(kind: str, run: dict[str, Any], version: dict[str, Any]) -> NewEvent:
    """LINEAGE_EDGE_ADDED from what a writer already knows: the run (`id`, `name`, `job_type`,
    `client_id`) and the version (a `VERSION_NAMES` row), for writers of many edges at once."""
    return NewEvent(
        EventType.LINEAGE_EDGE_ADDED,
        version_subject(version),
        {
            "edge": kind,
            "run": {
                "id": global_id("Run", run["id"]),
                "name": run["name"],
                "jobType": run["job_type"],
                "clientId": run["client_id"],
            },
            "version": _version_ref(version),
            "artifactType": version["type"],
        },
    )
