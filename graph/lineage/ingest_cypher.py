"""The Cypher of `graph.lineage.ingest`, one statement per step of a batch.

Every statement takes the whole batch as a list and returns at most one record: thousands of
small records cost more in the driver than the work itself. Times travel as epoch milliseconds
(the driver packs a `datetime` about ten times slower than the query uses it) and become
DateTime values in Cypher. Versions are resolved once to element ids, so the writes seek them
directly instead of through the id index again.
"""

from __future__ import annotations

from typing import LiteralString

from graph.lineage.model import EdgeKind

LOCK_PROJECT: LiteralString = """
MATCH (o:Organization {name: $org})-[:HAS_PROJECT]->(p:Project {name: $project})
SET o._lock = coalesce(o._lock, 0) + 1
RETURN o.id AS org_id, p.id AS project_id
"""

# Runs are named by the ids their organisation chose: [client id, run id, project id].
EXISTING_RUNS: LiteralString = """
UNWIND $ids AS id
MATCH (r:Run {org_id: $org_id, client_id: id})
RETURN collect([r.client_id, r.id, r.project_id]) AS found
"""

# Rows [key, version id, element id, org id, producing run id or null].
VERSIONS_BY_ID: LiteralString = """
UNWIND $ids AS id
MATCH (v:ArtifactVersion {id: id})
WHERE v.state = 'COMMITTED'
OPTIONAL CALL (v) {  // the producer: the first run (later ones re-produced it)
  MATCH (p:Run)-[e:PRODUCED]->(v)
  RETURN p ORDER BY e.at, p.id LIMIT 1
}
RETURN collect([v.id, v.id, elementId(v), v.org_id, p.id]) AS found
"""

# New runs; returns [run id, element id] so their edges are written without another index seek.
CREATE_RUNS: LiteralString = """
MATCH (p:Project {id: $project_id})
UNWIND $runs AS row
CREATE (r:Run {id: row.id, client_id: row.client_id, project_id: p.id, org_id: $org_id,
               org_name: $org, project_name: p.name, name: row.name, job_type: row.job_type,
               state: row.state, author: row.author, config: row.config, summary: row.summary,
               tags: row.tags,
               created_at: datetime({epochMillis: row.started_ms}),
               started_at: datetime({epochMillis: row.started_ms}),
               finished_at: CASE WHEN row.finished_ms IS NULL THEN null
                                 ELSE datetime({epochMillis: row.finished_ms}) END,
               updated_at: $now})
CREATE (p)-[:HAS_RUN]->(r)
RETURN collect([row.id, elementId(r)]) AS created
"""

# Edges of runs created by this batch: no existence check, a new run has no edges yet.
CREATE_EDGES: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
UNWIND $edges AS e
MATCH (r:Run) WHERE elementId(r) = e.rid
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
CREATE (r)-[:CONSUMED {at: datetime({epochMillis: e.at}), ref: e.ref}]->(v)
""",
    EdgeKind.PRODUCED: """
UNWIND $edges AS e
MATCH (r:Run) WHERE elementId(r) = e.rid
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
CREATE (r)-[:PRODUCED {at: datetime({epochMillis: e.at})}]->(v)
""",
}

# Edges of runs stored before this batch: created unless present (an existing CONSUMED edge
# keeps the earlier first-use time); returns the batch indices of the created ones.
WRITE_EDGES: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
UNWIND $edges AS e
MATCH (r:Run {id: e.run})
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
OPTIONAL MATCH (r)-[c:CONSUMED]->(v)
WITH e, r, v, c, datetime({epochMillis: e.at}) AS at
FOREACH (_ IN CASE WHEN c IS NULL THEN [1] ELSE [] END |
  CREATE (r)-[:CONSUMED {at: at, ref: e.ref}]->(v))
FOREACH (_ IN CASE WHEN c IS NOT NULL AND at < c.at THEN [1] ELSE [] END | SET c.at = at)
RETURN collect(CASE WHEN c IS NULL THEN e.i END) AS created
""",
    EdgeKind.PRODUCED: """
UNWIND $edges AS e
MATCH (r:Run {id: e.run})
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
OPTIONAL MATCH (r)-[c:PRODUCED]->(v)
FOREACH (_ IN CASE WHEN c IS NULL THEN [1] ELSE [] END |
  CREATE (r)-[:PRODUCED {at: datetime({epochMillis: e.at})}]->(v))
RETURN collect(CASE WHEN c IS NULL THEN e.i END) AS created
""",
}

# Necessary conditions for a new edge to lie on a cycle, checked after all writes of the batch:
# CONSUMED(r, v) needs r to reach v, so one of r's outputs must have a consumer; PRODUCED(r, v)
# needs v to reach r, so v must have a consumer. Only edges passing them get the exact check.
RUNS_WITH_CONSUMED_OUTPUTS: LiteralString = """
UNWIND $ids AS id
MATCH (r:Run {id: id})
WHERE EXISTS { (r)-[:PRODUCED]->(:ArtifactVersion)<-[:CONSUMED]-(:Run) }
RETURN collect(id) AS ids
"""

CONSUMED_VERSIONS: LiteralString = """
UNWIND $eids AS eid
MATCH (v:ArtifactVersion) WHERE elementId(v) = eid
  AND EXISTS { (v)<-[:CONSUMED]-(:Run) }
RETURN collect(eid) AS eids
"""

CYCLE_OF_EDGES: dict[EdgeKind, LiteralString] = {
    EdgeKind.CONSUMED: """
UNWIND $edges AS e
MATCH (r:Run {id: e.run})
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
MATCH p = SHORTEST 1 (r)
  ((:Run)-[:PRODUCED]->(:ArtifactVersion)<-[:CONSUMED]-(:Run))* (:Run)-[:PRODUCED]->(v)
RETURN e.run AS run, e.version AS version, length(p) AS hops LIMIT 1
""",
    EdgeKind.PRODUCED: """
UNWIND $edges AS e
MATCH (r:Run {id: e.run})
MATCH (v:ArtifactVersion) WHERE elementId(v) = e.eid
MATCH p = SHORTEST 1 (v)
  ((:ArtifactVersion)<-[:CONSUMED]-(:Run)-[:PRODUCED]->(:ArtifactVersion))*
  (:ArtifactVersion)<-[:CONSUMED]-(r)
RETURN e.run AS run, e.version AS version, length(p) AS hops LIMIT 1
""",
}
