"""Project-side data for registry tests, written with raw Cypher following the graph model in
DEVELOPERS.md (organisations, projects, artifacts, committed versions, runs, users), so the
registry is tested on exactly the shape the artifacts and lineage features produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from graph.core.driver import Graph
from graph.core.tx import fetch_single
from graph.core.values import new_id, now

NEW_VERSION: LiteralString = """
MERGE (o:Organization {name: $org})
ON CREATE SET o.id = $org_id, o.created_at = $now
MERGE (p:Project {org_id: o.id, name: $project})
ON CREATE SET p.id = $project_id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
MERGE (a:Artifact {project_id: p.id, name: $name})
ON CREATE SET a.id = $artifact_id, a.org_id = o.id, a.type = $type, a.description = '',
  a.tags = [], a.next_index = 0, a.created_at = $now
MERGE (p)-[:HAS_ARTIFACT]->(a)
SET a._lock = coalesce(a._lock, 0) + 1
WITH o, p, a, a.next_index AS index
SET a.next_index = index + 1
CREATE (v:ArtifactVersion {id: $id, artifact_id: a.id, artifact_name: a.name,
  artifact_type: a.type, project_id: p.id, project_name: p.name, org_id: o.id,
  org_name: o.name, index: CASE WHEN $state = 'PENDING' THEN null ELSE index END,
  digest: $digest, size: $size, file_count: 1, description: $description, metadata: '{}',
  tags: [], created_at: $now, created_by: 'tester', state: $state})
CREATE (a)-[:HAS_VERSION]->(v)
RETURN v.id AS id, v.index AS index
"""

NEW_RUN: LiteralString = """
MATCH (v:ArtifactVersion {id: $version_id})
MATCH (p:Project {id: v.project_id})
CREATE (r:Run {id: $id, project_id: p.id, org_id: v.org_id, name: $name, job_type: $job_type,
               state: 'FINISHED', created_at: $now})
CREATE (p)-[:HAS_RUN]->(r)
CREATE (r)-[:PRODUCED {at: $now}]->(v)
WITH r
CALL (r) {
  UNWIND $inputs AS input_id
  MATCH (i:ArtifactVersion {id: input_id})
  CREATE (r)-[:CONSUMED {at: $now}]->(i)
}
RETURN r.id AS id
"""

NEW_USER: LiteralString = """
CREATE (u:User {id: $id, name: $name, created_at: $now})
RETURN u.id AS id
"""


@dataclass(frozen=True)
class Version:
    id: str
    index: int | None
    org: str
    project: str
    name: str

    @property
    def path(self) -> str:
        return f"{self.org}/{self.project}/{self.name}:v{self.index}"


async def make_version(
    graph: Graph,
    org: str,
    name: str,
    type: str = "model",
    *,
    project: str = "proj",
    state: str = "COMMITTED",
    description: str = "",
) -> Version:
    """A new version of artifact `org/project/name` (created with `type` on first use)."""
    version_id = new_id()
    row = await graph.write(
        fetch_single,
        NEW_VERSION,
        org=org,
        project=project,
        name=name,
        type=type,
        state=state,
        description=description,
        id=version_id,
        digest=version_id * 2,
        size=123,
        org_id=new_id(),
        project_id=new_id(),
        artifact_id=new_id(),
        now=now(),
    )
    return Version(row["id"], row["index"], org, project, name)


async def make_run(
    graph: Graph, produced: Version, *, name: str = "train", inputs: tuple[Version, ...] = ()
) -> str:
    """A finished run that produced `produced` (and consumed `inputs`)."""
    row = await graph.write(
        fetch_single,
        NEW_RUN,
        version_id=produced.id,
        id=new_id(),
        name=name,
        job_type="train",
        now=now(),
        inputs=[i.id for i in inputs],
    )
    return str(row["id"])


async def make_user(graph: Graph, name: str) -> str:
    row = await graph.write(fetch_single, NEW_USER, id=new_id(), name=name, now=now())
    return str(row["id"])
