"""Benchmark: lineage traversal on a 1,000,000-node graph with 10,000-wide levels.

    python bench/lineage_traversal.py                 # build once (kept), measure, stop Neo4j
    python bench/lineage_traversal.py --keep-neo4j    # leave the benchmark Neo4j running
    python bench/lineage_traversal.py --quick         # 50-wide blocks in `.lineage/bench-quick`

Starts its own Neo4j (`--home`, default `.lineage/bench-neo4j-lineage`, heap and page cache 4g
each unless `--heap`/`--pagecache` say otherwise), loads the
synthetic graph of `bench/lineage_ingest.py` (5 blocks x 20 layers x 10,000 nodes, diamonds at
every run layer) through the bulk ingest path, starts the API as a real uvicorn process and
prints, for depth 3, 10 and 20 downstream of a block's seed:
- p50 and p95 of the lineage page query through GraphQL over HTTP,
- p50 of the same traversal Cypher through the driver directly (`graph.lineage.traversal.traverse`),
- their ratio,
then the response size for levels 100, 1,000 and 10,000 wide, and the bulk ingest throughput
(graph function when the graph was built in this run, and `ingestLineage` over HTTP).
Targets on 2 cores: p95 < 100 ms at depth 10, GraphQL/raw <= 1.5, size independent of width,
ingest >= 20,000 edges/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import start_api  # noqa: E402
from bench.lineage_ingest import (  # noqa: E402
    BATCH,
    ORG,
    PROJECT,
    WIDTH,
    Block,
    block_loaded,
    create_versions,
    ensure_graph,
    ingest_runs,
)
from graph.access.users import create_user  # noqa: E402
from graph.core.bootstrap import bootstrap  # noqa: E402
from graph.core.driver import Graph, connect  # noqa: E402
from graph.lineage.model import Direction, NodeKind, WalkLimits, WalkSpec  # noqa: E402
from graph.lineage.nodes import node_details  # noqa: E402
from graph.lineage.traversal import traverse  # noqa: E402
from services import neo4j_server  # noqa: E402

BLOCKS = 5
DEPTHS = (3, 10, 20)
WIDTHS = {100: 90, 1_000: 91}  # level width -> block number of a small extra block

QUERY = """
query($seed: ID!, $depth: Int!, $levelLimit: Int!) {
  lineage(seed: $seed, direction: DOWNSTREAM, depth: $depth, levelLimit: $levelLimit) {
    truncated truncation nodeCount
    levels {
      distance kind nodeCount expanded truncated
      nodes {
        id name type createdAt
        ... on Run { state author duration }
        ... on LineageVersion { aliases size producer { id } }
      }
      clusters { id grouping label type count preview { id name } }
      edges { source target kind count }
    }
  }
}
"""

INGEST = """
mutation($input: IngestLineageInput!) {
  ingestLineage(input: $input) { runsCreated edgesCreated errors { code message } }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DEFAULT_HOME = REPO / ".lineage" / "bench-neo4j-lineage"
QUICK_HOME = REPO / ".lineage" / "bench-quick"
"""`--quick` (CI: `python -m bench --quick`): a small Neo4j of its own with blocks this wide."""
QUICK_WIDTH = 50


def neo4j_config(
    port: int, home: Path = DEFAULT_HOME, heap: str = "4g", pagecache: str = "4g"
) -> neo4j_server.Neo4jServerConfig:
    return neo4j_server.Neo4jServerConfig(
        home=home,
        bolt_port=port,
        heap=heap,
        pagecache=pagecache,
        jar_cache=REPO / ".lineage" / "neo4j-lib-5.26.30",
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def graphql(http: httpx.Client, query: str, variables: dict[str, Any]) -> tuple[Any, int]:
    response = http.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"request failed: {body['errors']}")
    return body["data"], len(response.content)


def measure_http(
    http: httpx.Client, seeds: list[str], depth: int, level_limit: int, runs: int
) -> tuple[list[float], int, dict[str, Any]]:
    times, size, answer = [], 0, {}
    for i in range(runs):
        began = time.perf_counter()
        data, size = graphql(
            http, QUERY, {"seed": seeds[i % len(seeds)], "depth": depth, "levelLimit": level_limit}
        )
        times.append((time.perf_counter() - began) * 1000)
        answer = data["lineage"]
    return times, size, answer


async def measure_raw(
    graph: Graph, seeds: list[str], depth: int, level_limit: int, runs: int
) -> tuple[list[float], list[float]]:
    """The traversal's Cypher alone, and followed by the node-detail query of the page (its
    nodes, cluster previews and the versions' producers)."""
    walk_times, page_times = [], []
    for i in range(runs):
        spec = WalkSpec(
            seeds[i % len(seeds)],
            Direction.DOWNSTREAM,
            limits=WalkLimits(depth=depth, level_limit=level_limit),
        )
        began = time.perf_counter()
        walked = await traverse(graph, spec)
        walk_times.append((time.perf_counter() - began) * 1000)
        shown: dict[NodeKind, list[str]] = {NodeKind.RUN: [], NodeKind.ARTIFACT_VERSION: []}
        for level in walked.levels:
            shown[level.kind] += list(level.loose)
            shown[level.kind] += [n for c in level.clusters for n in c.preview]
        # The page reads these in a few batches while the walk runs; here in one, after it.
        await node_details(
            graph, shown[NodeKind.RUN], shown[NodeKind.ARTIFACT_VERSION], producers=True
        )
        page_times.append((time.perf_counter() - began) * 1000)
    return walk_times, page_times


async def ingest_over_http(graph: Graph, http: httpx.Client, block: Block) -> tuple[int, float]:
    """Runs and edges of a fresh block through `ingestLineage` (versions via raw Cypher)."""
    await create_versions(graph, block)
    edges_total, seconds = 0, 0.0
    for layer in range(1, block.layers, 2):
        runs, edges = block.runs_and_edges(layer)
        per_run = len(edges) // len(runs)
        for start in range(0, len(runs), BATCH):
            batch = {
                "organization": ORG,
                "project": PROJECT,
                "compactRuns": [
                    {
                        "id": r.id,
                        "jobType": r.job_type,
                        "name": r.name,
                        "state": r.state.value,
                        "author": r.author,
                        "startedAt": millis(r.started_at),
                        "finishedAt": millis(r.finished_at),
                    }
                    for r in runs[start : start + BATCH]
                ],
                "compactEdges": [
                    [e.run_id, e.version, e.kind.value, millis(e.at)]
                    for e in edges[start * per_run : (start + BATCH) * per_run]
                ],
            }
            body = json.dumps({"query": INGEST, "variables": {"input": batch}})
            began = time.perf_counter()
            response = http.post(  # noqa: ASYNC212 (a sequential benchmark client)
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
            seconds += time.perf_counter() - began
            payload = response.json()["data"]["ingestLineage"]
            if payload["errors"]:
                raise SystemExit(f"ingest failed: {payload['errors']}")
            edges_total += len(batch["compactEdges"])
    return edges_total, seconds


def millis(value: datetime | None) -> int | None:
    return None if value is None else round(value.timestamp() * 1000)


def row(
    label: str,
    http_times: list[float],
    raw: tuple[list[float], list[float]],
    size: int,
    extra: str,
) -> str:
    p50, p95 = percentile(http_times, 0.5), percentile(http_times, 0.95)
    walk50, page50 = percentile(raw[0], 0.5), percentile(raw[1], 0.5)
    return (
        f"{label:>8} | {p50:7.1f} | {p95:7.1f} | {walk50:7.1f} | {p50 / walk50:5.2f} | "
        f"{page50:7.1f} | {p50 / page50:5.2f} | {size / 1024:6.1f} KiB | {extra}"
    )


HEADER = "   depth | p50 ms  | p95 ms  | raw p50 | ratio | +detail | ratio | response   | answer"


async def run(args: argparse.Namespace) -> None:
    config = neo4j_config(args.port, args.home, args.heap, args.pagecache)
    began = time.monotonic()
    neo4j_server.start(config)
    print(f"benchmark Neo4j at {config.bolt_uri} ({time.monotonic() - began:.0f}s to start)")
    password = neo4j_server.read_password(config.home)
    graph = connect(config.bolt_uri, neo4j_server.LOCAL_USER, password)
    api: subprocess.Popen[bytes] | None = None
    try:
        await bootstrap(graph)
        began = time.monotonic()
        main_width = QUICK_WIDTH if args.quick else WIDTH
        built = await ensure_graph(graph, BLOCKS, main_width)
        for width, number in WIDTHS.items():
            small = Block(number, width=width, layers=2)
            if not await block_loaded(graph, small):
                await create_versions(graph, small)
                await ingest_runs(graph, small)
        print(
            f"graph ready in {time.monotonic() - began:.0f}s ({BLOCKS * 20 * main_width + BLOCKS:,}"
            " lineage nodes in the main blocks)"
        )
        _, key = await create_user(
            graph, f"bench-{uuid.uuid4().hex[:8]}", is_server_admin=True, with_key=True
        )
        assert key is not None
        port = free_port()
        data_dir = Path(tempfile.mkdtemp(prefix="lineage-bench-"))
        api = start_api(config.bolt_uri, port, data_dir, password)
        headers = {"authorization": f"Bearer {key.secret}"}
        seeds = [Block(n, width=main_width).seed_id for n in range(BLOCKS)]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:
            for depth in DEPTHS:  # warm caches and plans
                measure_http(http, seeds, depth, args.level_limit, args.warmup)
                await measure_raw(graph, seeds, depth, args.level_limit, args.warmup)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"\nload average before: {load} (other processes share these 2 cores)")
            print(
                f"levelLimit {args.level_limit}, {args.runs} sequential requests per depth "
                f"over {len(seeds)} seeds\n"
            )
            print("raw p50: the traversal Cypher through the driver; +detail: then the node detail")
            print("query of the page (all the Cypher of the request; there it overlaps the walk)\n")
            print(HEADER)
            for depth in DEPTHS:
                http_times, size, answer = measure_http(
                    http, seeds, depth, args.level_limit, args.runs
                )
                raw = await measure_raw(graph, seeds, depth, args.level_limit, args.runs)
                widths = [lvl["nodeCount"] for lvl in answer["levels"]]
                extra = (
                    f"{len(widths)} levels, {answer['nodeCount']:,} nodes counted, "
                    f"first widths {widths[:4]}, truncated={answer['truncation']}"
                )
                print(row(f"{depth}", http_times, raw, size, extra))

            if args.exact_runs:
                print(
                    f"\nexact walk (levelLimit 10,000: every node of every level expanded), "
                    f"{args.exact_runs} requests per depth"
                )
                print(HEADER)
                for depth in (3, 10):
                    http_times, size, answer = measure_http(
                        http, seeds, depth, 10_000, args.exact_runs
                    )
                    raw = await measure_raw(graph, seeds, depth, 10_000, args.exact_runs)
                    extra = (
                        f"{len(answer['levels'])} levels, {answer['nodeCount']:,} nodes "
                        f"counted, truncated={answer['truncation']}"
                    )
                    print(row(f"{depth}", http_times, raw, size, extra))

            print("\nresponse size vs level width (depth 2: a level of runs, then of versions)")
            width_seeds = {w: Block(n, width=w, layers=2).seed_id for w, n in WIDTHS.items()}
            width_seeds[main_width] = seeds[0]
            for width, seed in width_seeds.items():
                _, size, answer = measure_http(http, [seed], 2, args.level_limit, 1)
                counts = [lvl["nodeCount"] for lvl in answer["levels"]]
                print(f"  width {width:>6,}: {size:6,} bytes (levels {counts})")

            print(
                "\nbulk ingest (runs + CONSUMED/PRODUCED edges, compact rows, batches of "
                f"{BATCH:,} runs)"
            )
            if built:
                edges = sum(e for e, _ in built)
                seconds = sum(s for _, s in built)
                print(
                    f"  graph function while building: {edges:,} edges in {seconds:.1f}s = "
                    f"{edges / seconds:,.0f} edges/s"
                )
            fresh = Block(100_000 + int(time.time()) % 1_000_000, width=main_width, layers=4)
            edges, seconds = await ingest_over_http(graph, http, fresh)
            print(
                f"  ingestLineage over HTTP: {edges:,} edges in {seconds:.1f}s = "
                f"{edges / seconds:,.0f} edges/s"
            )
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"\nload average now: {load}")
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        await graph.close()
        if not args.keep_neo4j:
            neo4j_server.stop(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=17788, help="bolt port of the bench Neo4j")
    parser.add_argument("--runs", type=int, default=60, help="requests per depth")
    parser.add_argument("--warmup", type=int, default=15, help="warm-up requests per depth")
    parser.add_argument("--level-limit", type=int, default=500, help="levelLimit argument")
    parser.add_argument(
        "--exact-runs",
        type=int,
        default=10,
        help="requests per depth with levelLimit 10,000 (0 to skip)",
    )
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the Neo4j running")
    parser.add_argument(
        "--home",
        type=Path,
        default=DEFAULT_HOME,
        help="the bench Neo4j's folder (a copy lets two benchmarks run side by side)",
    )
    parser.add_argument("--heap", default="4g", help="the bench Neo4j's heap")
    parser.add_argument("--pagecache", default="4g", help="the bench Neo4j's page cache")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_WIDTH}-wide blocks, few requests, a small Neo4j in {QUICK_HOME.name}",
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup, args.exact_runs = 5, 2, 2
        if args.home == DEFAULT_HOME:
            args.home, args.heap, args.pagecache = QUICK_HOME, "512m", "256m"
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
