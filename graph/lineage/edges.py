"""Recording lineage edges: a run CONSUMED a version, a run PRODUCED a version.

Every edge write takes a write lock on the organisation node first, then checks and writes in
the same transaction. Edges never leave an organisation, so every cycle lies inside one, and
the lock serialises all edge writes that could together close it (locking only the two
endpoints would not: edges a->b and c->d can close a cycle through paths b~>c and d~>a without
sharing a node). Reads after taking the lock see every edge committed before it.

A CONSUMED(run, v) edge closes a cycle when `run` already reaches `v` downstream; a
PRODUCED(run, v) edge when `v` already reaches `run`. Both checks are one SHORTEST-path query
(a bidirectional breadth-first search), exact at any depth.

A version's producer is the run that created it. A run that later logs identical content
re-produces the version (the commit deduplicates to it) and gets a PRODUCED edge too, so its
outputs show what it logged; readers that want the one producer take the earliest edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.artifacts import EdgeKey, record_edge_events_tx, require_version_tx
from graph.core.driver import Graph
from graph.core.errors import Conflict, CycleError, InvalidInput, NotFound
from graph.core.refs import VersionRef
from graph.core.tx import fetch_page
from graph.core.values import native_datetime, now
from graph.lineage.model import EdgeKind


@dataclass(frozen=True)
class EdgeRecord:
    run_id: str
    version_id: str
    kind: EdgeKind
    at: datetime
    created: bool
    ref: str | None = None


LOCK_ORG_OF_RUN: LiteralString = """
MATCH (r:Run {id: $run})
MATCH (o:Organization {id: r.org_id})
SET o._lock = coalesce(o._lock, 0) + 1
RETURN o.id AS org_id
"""

VERSION_ORG: LiteralString = """
MATCH (v:ArtifactVersion {id: $version})
WHERE v.state = 'COMMITTED'
RETURN v.org_id AS org_id
"""

EXISTING_EDGE: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
MATCH (:Run {id: $run})-[e:CONSUMED]->(:ArtifactVersion {id: $version})
RETURN e.at AS at, e.ref AS ref
""",
    EdgeKind.PRODUCED: """
MATCH (:Run {id: $run})-[e:PRODUCED]->(:ArtifactVersion {id: $version})
RETURN e.at AS at, null AS ref
""",
}

OTHER_PRODUCER: LiteralString = """
MATCH (p:Run)-[:PRODUCED]->(:ArtifactVersion {id: $version})
WHERE p.id <> $run
RETURN p.id AS producer LIMIT 1
"""

# Hops of the shortest path that the new edge would close into a cycle (null: no cycle).
CYCLE_HOPS: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
MATCH (r:Run {id: $run}), (v:ArtifactVersion {id: $version})
OPTIONAL MATCH p = SHORTEST 1 (r)
  ((:Run)-[:PRODUCED]->(:ArtifactVersion)<-[:CONSUMED]-(:Run))* (:Run)-[:PRODUCED]->(v)
RETURN length(p) AS hops
""",
    EdgeKind.PRODUCED: """
MATCH (r:Run {id: $run}), (v:ArtifactVersion {id: $version})
OPTIONAL MATCH p = SHORTEST 1 (v)
  ((:ArtifactVersion)<-[:CONSUMED]-(:Run)-[:PRODUCED]->(:ArtifactVersion))*
  (:ArtifactVersion)<-[:CONSUMED]-(r)
RETURN length(p) AS hops
""",
}

CREATE_EDGE: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
MATCH (r:Run {id: $run}), (v:ArtifactVersion {id: $version})
CREATE (r)-[e:CONSUMED {at: $at, ref: $ref}]->(v)
RETURN e.at AS at
""",
    EdgeKind.PRODUCED: """
MATCH (r:Run {id: $run}), (v:ArtifactVersion {id: $version})
CREATE (r)-[e:PRODUCED {at: $at}]->(v)
RETURN e.at AS at
""",
}


REPRODUCED: LiteralString = """
MATCH (r:Run {id: $run}), (v:ArtifactVersion {id: $version})
WHERE v.state = 'COMMITTED' AND v.org_id = r.org_id
CREATE (r)-[e:PRODUCED {at: $at}]->(v)
RETURN e.at AS at
"""


async def lock_org_of_run_tx(tx: AsyncManagedTransaction, run_id: str) -> str:
    """Lock the run's organisation (see the module docstring) and return its id."""
    row = await (await tx.run(LOCK_ORG_OF_RUN, run=run_id)).single()
    if row is None:
        raise NotFound("Run not found", field="run")
    return str(row["org_id"])


async def cycle_hops_tx(
    tx: AsyncManagedTransaction, kind: EdgeKind, run_id: str, version_id: str
) -> int | None:
    row = await (await tx.run(CYCLE_HOPS[kind], run=run_id, version=version_id)).single()
    return None if row is None or row["hops"] is None else int(row["hops"])


def cycle_error(kind: EdgeKind, run_id: str, version_id: str, hops: int) -> CycleError:
    if kind is EdgeKind.CONSUMED:
        what = f"run {run_id} already leads to version {version_id} ({hops} hops downstream)"
    else:
        what = f"version {version_id} already leads to run {run_id} ({hops} hops downstream)"
    return CycleError(f"Refused: a {kind.value} edge would close a cycle: {what}", field="version")


async def _add_edge_tx(
    tx: AsyncManagedTransaction,
    kind: EdgeKind,
    run_id: str,
    ref: VersionRef | None,
    version_id: str | None,
    at: datetime,
    named: str | None = None,
    actor: str = "",
) -> EdgeRecord:
    org_id = await lock_org_of_run_tx(tx, run_id)
    if ref is not None:
        found = await require_version_tx(tx, ref, field="artifact")
        version_id, version_org = found.id, found.org_id
    else:
        assert version_id is not None
        row = await (await tx.run(VERSION_ORG, version=version_id)).single()
        if row is None:
            raise NotFound("No committed artifact version with this id", field="version")
        version_org = str(row["org_id"])
    if version_org != org_id:
        raise InvalidInput(
            "Lineage edges stay inside one organisation; this version belongs to another",
            field="version",
        )
    existing = await (await tx.run(EXISTING_EDGE[kind], run=run_id, version=version_id)).single()
    if existing is not None:
        return EdgeRecord(
            run_id, version_id, kind, native_datetime(existing["at"]) or at, False, existing["ref"]
        )
    if kind is EdgeKind.PRODUCED:
        other = await (await tx.run(OTHER_PRODUCER, run=run_id, version=version_id)).single()
        if other is not None:
            raise Conflict(
                f"Version {version_id} was already produced by run {other['producer']}; "
                "a version has at most one producer",
                field="version",
            )
    hops = await cycle_hops_tx(tx, kind, run_id, version_id)
    if hops is not None:
        raise cycle_error(kind, run_id, version_id, hops)
    shown = named if ref is None else str(ref)
    await tx.run(CREATE_EDGE[kind], run=run_id, version=version_id, at=at, ref=shown)
    await record_edge_events_tx(tx, edges=[EdgeKey(run_id, version_id, kind.value)], actor=actor)
    return EdgeRecord(run_id, version_id, kind, at, True, shown)


async def use_artifact(
    graph: Graph,
    run_id: str,
    *,
    ref: VersionRef | None = None,
    version_id: str | None = None,
    named: str | None = None,
    actor: str = "",
) -> EdgeRecord:
    """Record that the run consumed a version, named by `ref` (resolved now) or by id (which the
    caller may have resolved from `named`, e.g. a registry path, kept as the edge's `ref`).

    Recorded once: using the same version again returns the first edge (`created=False`) and
    keeps the first-use time. `CycleError` when the run already leads to that version.
    """
    if (ref is None) == (version_id is None):
        raise InvalidInput("Give either an artifact reference or a version id", field="artifact")
    return await graph.write(
        _add_edge_tx, EdgeKind.CONSUMED, run_id, ref, version_id, now(), named, actor
    )


async def _reproduced_tx(
    tx: AsyncManagedTransaction, run_id: str, version_id: str, at: datetime, actor: str
) -> bool:
    rows = await (await tx.run(LOCK_ORG_OF_RUN, run=run_id)).single()
    if rows is None:
        return False
    existing = await (
        await tx.run(EXISTING_EDGE[EdgeKind.PRODUCED], run=run_id, version=version_id)
    ).single()
    if existing is not None:
        return True
    if await cycle_hops_tx(tx, EdgeKind.PRODUCED, run_id, version_id) is not None:
        return False
    created = await (await tx.run(REPRODUCED, run=run_id, version=version_id, at=at)).single()
    if created is None:
        return False
    await record_edge_events_tx(
        tx, edges=[EdgeKey(run_id, version_id, EdgeKind.PRODUCED.value)], actor=actor
    )
    return True


async def record_reproduced(graph: Graph, run_id: str, version_id: str, *, actor: str = "") -> bool:
    """Record that the run logged content identical to the committed version (see the module
    doc); idempotent. False, recording nothing, when the run is gone, the version is not a
    committed one of the run's organisation, or the run already leads to the version (it read
    that version and wrote it back unchanged: an edge back would close a cycle).
    """
    return await graph.write(_reproduced_tx, run_id, version_id, now(), actor)


async def record_produced(
    graph: Graph, run_id: str, version_id: str, *, actor: str = ""
) -> EdgeRecord:
    """Record that the run produced the version (after the fact; idempotent).

    `Conflict` when another run already produced it; `CycleError` when the version already
    leads to the run.
    """
    return await graph.write(
        _add_edge_tx, EdgeKind.PRODUCED, run_id, None, version_id, now(), None, actor
    )


COUNT_IO: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
MATCH (:Run {id: $run})-[:CONSUMED]->(v:ArtifactVersion) WHERE v.state = 'COMMITTED'
RETURN count(v) AS total
""",
    EdgeKind.PRODUCED: """
MATCH (:Run {id: $run})-[:PRODUCED]->(v:ArtifactVersion) WHERE v.state = 'COMMITTED'
RETURN count(v) AS total
""",
}

IO_PAGE: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
MATCH (:Run {id: $run})-[e:CONSUMED]->(v:ArtifactVersion) WHERE v.state = 'COMMITTED'
RETURN v.id AS id, e.at AS at ORDER BY e.at, v.id SKIP $offset LIMIT $limit
""",
    EdgeKind.PRODUCED: """
MATCH (:Run {id: $run})-[e:PRODUCED]->(v:ArtifactVersion) WHERE v.state = 'COMMITTED'
RETURN v.id AS id, e.at AS at ORDER BY e.at, v.id SKIP $offset LIMIT $limit
""",
}


async def run_versions(
    graph: Graph, run_id: str, kind: EdgeKind, offset: int, limit: int
) -> tuple[list[tuple[str, datetime | None]], int]:
    """A page of the versions a run consumed (or produced), in the order it first used them."""
    rows, total = await graph.read(
        fetch_page, COUNT_IO[kind], IO_PAGE[kind], run=run_id, offset=offset, limit=limit
    )
    return [(row["id"], native_datetime(row["at"])) for row in rows], total
