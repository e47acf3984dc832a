"""The Cypher of `graph.lineage.openlineage`: each statement takes a whole batch as a list and
returns at most one record (see `graph.lineage.ingest_cypher` for why). Times travel as epoch
microseconds (`MICROS`), the precision of OpenLineage's eventTime."""

from __future__ import annotations

from typing import LiteralString

from graph.lineage.model import EdgeKind

LOCK_ORG: LiteralString = """
MATCH (o:Organization {name: $org})
SET o._lock = coalesce(o._lock, 0) + 1
RETURN o.id AS org_id
"""

EXISTING_RUNS: LiteralString = """
UNWIND $ids AS id
MATCH (r:Run {org_id: $org_id, client_id: id})
RETURN collect({client_id: r.client_id, id: r.id, eid: elementId(r), project: r.project_name,
  openlineage: r.openlineage, events: r.ol_events, state: r.state, name: r.name,
  job_type: r.job_type,
  started_us: r.started_at.epochSeconds * 1000000 + r.started_at.microsecond,
  finished_us: r.finished_at.epochSeconds * 1000000 + r.finished_at.microsecond}) AS runs
"""

CREATE_RUNS: LiteralString = """
MATCH (o:Organization {id: $org_id})
UNWIND $runs AS row
MERGE (p:Project {org_id: o.id, name: row.project})
  ON CREATE SET p.id = row.project_id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
WITH o, p, row,
     datetime({epochSeconds: row.started_us / 1000000,
               nanosecond: row.started_us % 1000000 * 1000}) AS started
CREATE (r:Run {id: row.id, client_id: row.client_id, project_id: p.id, org_id: o.id,
               org_name: o.name, project_name: p.name, name: row.name, job_type: row.job_type,
               state: row.state, author: null, config: '{}', summary: '{}', tags: [],
               created_at: started, started_at: started,
               finished_at: CASE WHEN row.finished_us IS NULL THEN null
                 ELSE datetime({epochSeconds: row.finished_us / 1000000,
                                nanosecond: row.finished_us % 1000000 * 1000}) END,
               updated_at: $now, openlineage: row.openlineage, ol_events: row.events})
CREATE (p)-[:HAS_RUN]->(r)
RETURN collect([row.client_id, elementId(r)]) AS created
"""

UPDATE_RUNS: LiteralString = """
UNWIND $runs AS row
MATCH (r:Run) WHERE elementId(r) = row.eid
WITH r, row,
     datetime({epochSeconds: row.started_us / 1000000,
               nanosecond: row.started_us % 1000000 * 1000}) AS started
SET r.name = row.name, r.job_type = row.job_type, r.state = row.state,
    r.created_at = started, r.started_at = started,
    r.finished_at = CASE WHEN row.finished_us IS NULL THEN null
      ELSE datetime({epochSeconds: row.finished_us / 1000000,
                     nanosecond: row.finished_us % 1000000 * 1000}) END,
    r.openlineage = row.openlineage, r.ol_events = row.events, r.updated_at = $now
"""

# Created unless present; an existing edge keeps the earlier time. Returns the batch indices of
# the created ones.
WRITE_EDGES: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
UNWIND $edges AS e
MATCH (r:Run) WHERE elementId(r) = e.rid
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
OPTIONAL MATCH (r)-[c:CONSUMED]->(v)
WITH e, r, v, c,
     datetime({epochSeconds: e.at / 1000000, nanosecond: e.at % 1000000 * 1000}) AS at
FOREACH (_ IN CASE WHEN c IS NULL THEN [1] ELSE [] END |
  CREATE (r)-[:CONSUMED {at: at, ref: null}]->(v))
FOREACH (_ IN CASE WHEN c IS NOT NULL AND at < c.at THEN [1] ELSE [] END | SET c.at = at)
RETURN collect(CASE WHEN c IS NULL THEN e.i END) AS created
""",
    EdgeKind.PRODUCED: """
UNWIND $edges AS e
MATCH (r:Run) WHERE elementId(r) = e.rid
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
OPTIONAL MATCH (r)-[c:PRODUCED]->(v)
WITH e, r, v, c,
     datetime({epochSeconds: e.at / 1000000, nanosecond: e.at % 1000000 * 1000}) AS at
FOREACH (_ IN CASE WHEN c IS NULL THEN [1] ELSE [] END |
  CREATE (r)-[:PRODUCED {at: at}]->(v))
FOREACH (_ IN CASE WHEN c IS NOT NULL AND at < c.at THEN [1] ELSE [] END | SET c.at = at)
RETURN collect(CASE WHEN c IS NULL THEN e.i END) AS created
""",
}

LINK_PARENTS: LiteralString = """
UNWIND $links AS link
MATCH (c:Run) WHERE elementId(c) = link.child
MATCH (p:Run) WHERE elementId(p) = link.parent
MERGE (c)-[:CHILD_OF]->(p)
"""
