"""A synthetic lineage graph for benchmarks, loaded through the bulk ingest path.

`python -m bench.lineage_ingest --uri bolt://127.0.0.1:17788` loads one extra block into the given
Neo4j (a benchmark server, never the shared one; `--width` nodes per layer, 10,000 unless given)
and prints the ingest throughput of the graph
function (`graph.lineage.ingest.ingest`); `bench.lineage_traversal` uses `ensure_graph` to build the
whole 1,000,000-node graph once (kept between runs) and measures ingest over HTTP too.
Credentials come from NEO4J_USER / NEO4J_PASSWORD (a server `services.neo4j_server` started: user
neo4j, password in `<home>/password`).

Shape of one block (WIDTH nodes per layer, LAYERS layers after the seed):
  layer 0   one seed version (artifact `raw-<block>`)
  layer 1   WIDTH runs, each consumed the seed and produced one version of layer 2
  layer 2k  WIDTH versions; grouped per layer into 1, 100, 2,000 or 10 artifacts
  layer 2k+1  WIDTH runs; run i consumed versions i and i+1 of the previous layer (diamonds:
            the number of paths doubles at every run layer) and produced version i of the next
Versions are created with raw Cypher following the graph model (they belong to the artifacts
feature); runs and edges go through the ingest path in topological order, BATCH runs at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from graph.access.orgs import ensure_project
from graph.core.bootstrap import bootstrap
from graph.core.driver import Graph, connect
from graph.core.tx import fetch_one
from graph.lineage.ingest import IngestEdge, IngestRun, ingest
from graph.lineage.model import EdgeKind
from graph.lineage.runs import RunState

WIDTH = 10_000
LAYERS = 20
BATCH = 5_000
ORG = "bench-lineage"
PROJECT = "synthetic"
NAMESPACE = uuid.UUID("6d1f6f6e-6c69-6e65-6167-652d62656e63")
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
ARTIFACTS_PER_LAYER = {2: 1, 4: 100, 6: 2_000, 0: 10}
ARTIFACT_TYPES = ("dataset", "model", "evaluation")
JOB_TYPES = ("train", "evaluate", "featurize")


def node_id(*parts: object) -> str:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)).hex


@dataclass(frozen=True)
class Block:
    """One independent pipeline of the synthetic graph."""

    number: int
    width: int = WIDTH
    layers: int = LAYERS

    def version_id(self, layer: int, i: int) -> str:
        return node_id(self.number, "v", layer, i)

    def run_id(self, layer: int, i: int) -> str:
        return node_id(self.number, "r", layer, i)

    @property
    def seed_id(self) -> str:
        return self.version_id(0, 0)

    def artifacts(self, layer: int) -> int:
        return 1 if layer == 0 else ARTIFACTS_PER_LAYER[layer % 8]

    def artifact_name(self, layer: int, j: int) -> str:
        return f"raw-{self.number}" if layer == 0 else f"b{self.number}-l{layer}-a{j}"

    def version_rows(self, layer: int) -> list[dict[str, Any]]:
        count = 1 if layer == 0 else self.width
        groups = self.artifacts(layer)
        kind = ARTIFACT_TYPES[(layer // 2) % len(ARTIFACT_TYPES)]
        return [
            {
                "id": self.version_id(layer, i),
                "artifact_id": node_id(self.number, "a", layer, i % groups),
                "artifact_name": self.artifact_name(layer, i % groups),
                "artifact_type": kind,
                "index": i // groups,
                "size": 1_000 + i,
                "created_ms": round((EPOCH + timedelta(hours=layer, seconds=i)).timestamp() * 1000),
            }
            for i in range(count)
        ]

    def runs_and_edges(self, layer: int) -> tuple[list[IngestRun], list[IngestEdge]]:
        runs: list[IngestRun] = []
        edges: list[IngestEdge] = []
        for i in range(self.width):
            started = EPOCH + timedelta(hours=layer, seconds=i)
            job = "prepare" if layer == 1 else JOB_TYPES[i % 3] if layer % 4 == 3 else "etl"
            run_id = self.run_id(layer, i)
            runs.append(
                IngestRun(
                    id=run_id,
                    job_type=job,
                    name=f"{job}-{self.number}-{layer}-{i}",
                    state=RunState.FINISHED,
                    author="bench",
                    started_at=started,
                    finished_at=started + timedelta(minutes=5),
                )
            )
            inputs = (
                [self.seed_id]
                if layer == 1
                else [
                    self.version_id(layer - 1, i),
                    self.version_id(layer - 1, (i + 1) % self.width),
                ]
            )
            edges += [IngestEdge(run_id, v, EdgeKind.CONSUMED, started) for v in inputs]
            edges.append(
                IngestEdge(run_id, self.version_id(layer + 1, i), EdgeKind.PRODUCED, started)
            )
        return runs, edges


CREATE_VERSIONS: LiteralString = """
MATCH (o:Organization {name: $org})-[:HAS_PROJECT]->(p:Project {name: $project})
UNWIND $rows AS row
MERGE (a:Artifact {id: row.artifact_id})
  ON CREATE SET a.project_id = p.id, a.org_id = o.id, a.name = row.artifact_name,
                a.type = row.artifact_type, a.description = null, a.tags = [],
                a.next_index = 0, a.created_at = datetime({epochMillis: row.created_ms})
MERGE (p)-[:HAS_ARTIFACT]->(a)
SET a.next_index = CASE WHEN a.next_index > row.index THEN a.next_index ELSE row.index + 1 END
CREATE (v:ArtifactVersion {
  id: row.id, artifact_id: a.id, artifact_name: a.name, artifact_type: a.type,
  project_id: p.id, project_name: p.name, org_id: o.id, org_name: o.name, index: row.index,
  digest: row.id, size: row.size, file_count: 1, description: null, metadata: '{}', tags: [],
  created_at: datetime({epochMillis: row.created_ms}), created_by: 'bench', state: 'COMMITTED',
  ttl_seconds: null,
  expires_at: null})
CREATE (a)-[:HAS_VERSION]->(v)
"""

LATEST_ALIASES: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact)
WHERE a.name STARTS WITH $prefix
MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion {index: a.next_index - 1})
MERGE (al:Alias {artifact_id: a.id, name: 'latest'})
MERGE (al)-[:POINTS_TO]->(v)
"""

BLOCK_LOADED: LiteralString = """
MATCH (v:ArtifactVersion {id: $id})<-[:PRODUCED]-(:Run)
RETURN count(*) AS n
"""


async def create_versions(graph: Graph, block: Block) -> None:
    """All versions of a block (raw Cypher, as the artifacts feature would have left them)."""
    for layer in range(0, block.layers + 1, 2):
        rows = block.version_rows(layer)
        for start in range(0, len(rows), BATCH):
            await graph.driver.execute_query(
                CREATE_VERSIONS, org=ORG, project=PROJECT, rows=rows[start : start + BATCH]
            )
    await graph.driver.execute_query(
        LATEST_ALIASES, org=ORG, project=PROJECT, prefix=f"b{block.number}-"
    )


async def ingest_runs(graph: Graph, block: Block) -> tuple[int, float]:
    """Runs and edges of a block through `graph.lineage.ingest.ingest`; (edges, seconds)."""
    edges_total, seconds = 0, 0.0
    for layer in range(1, block.layers, 2):
        runs, edges = block.runs_and_edges(layer)
        per_run = len(edges) // len(runs)
        for start in range(0, len(runs), BATCH):
            batch_edges = edges[start * per_run : (start + BATCH) * per_run]
            began = time.perf_counter()
            await ingest(graph, ORG, PROJECT, runs[start : start + BATCH], batch_edges)
            seconds += time.perf_counter() - began
            edges_total += len(batch_edges)
    return edges_total, seconds


async def block_loaded(graph: Graph, block: Block) -> bool:
    last = block.version_id(block.layers, block.width - 1)
    row = await graph.read(fetch_one, BLOCK_LOADED, id=last)
    return row is not None and int(row["n"]) == 1


async def ensure_graph(graph: Graph, blocks: int, width: int = WIDTH) -> list[tuple[int, float]]:
    """Load the blocks that are not there yet; returns (edges, seconds) per loaded block.
    A store holds blocks of one width only (the same block number means the same node ids)."""
    await bootstrap(graph)
    await ensure_project(graph, ORG, PROJECT)
    loaded = []
    for number in range(blocks):
        block = Block(number, width=width)
        if await block_loaded(graph, block):
            continue
        began = time.perf_counter()
        await create_versions(graph, block)
        edges, seconds = await ingest_runs(graph, block)
        loaded.append((edges, seconds))
        print(
            f"  block {number}: versions + {edges:,} edges in {time.perf_counter() - began:.0f}s"
            f" (ingest {edges / seconds:,.0f} edges/s)",
            flush=True,
        )
    return loaded


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", required=True, help="bolt URI of a benchmark Neo4j")
    parser.add_argument("--block", type=int, default=99, help="block number to load")
    parser.add_argument("--width", type=int, default=WIDTH, help="nodes per layer")
    args = parser.parse_args()
    graph = connect(args.uri, os.environ.get("NEO4J_USER"), os.environ.get("NEO4J_PASSWORD"))
    try:
        await bootstrap(graph)
        await ensure_project(graph, ORG, PROJECT)
        block = Block(args.block, width=args.width)
        if await block_loaded(graph, block):
            print(f"block {args.block} already loaded; pick another --block")
            return
        await create_versions(graph, block)
        edges, seconds = await ingest_runs(graph, block)
        print(f"ingest: {edges:,} edges in {seconds:.1f}s = {edges / seconds:,.0f} edges/s")
    finally:
        await graph.close()


if __name__ == "__main__":
    asyncio.run(main())
