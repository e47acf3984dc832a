"""Benchmark: `lineage(asOf:)` against the same walk of the present, on the 1,000,000-node graph.

    python bench/lineage_as_of.py [--runs 40] [--keep-neo4j]
    python bench/lineage_as_of.py --quick    # lineage_traversal's small graph and Neo4j (CI)

Uses the benchmark Neo4j and graph of `bench/lineage_traversal.py` (`.lineage/bench-neo4j-lineage`,
built by that script on first use, kept), starts the API as a real uvicorn process and, for depth
3 and 10 downstream of the blocks' seeds, sends the lineage page query with and without
`asOf` (a moment after the graph was built, so both walks see the same nodes) alternately, one
after the other, and prints p50/p95 of each and the ratio of p50s and p95s, with the load average.
Target: depth 10 with `asOf` within 1.3x of the same query without.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import start_api  # noqa: E402
from bench.lineage_ingest import WIDTH, Block, ensure_graph  # noqa: E402
from bench.lineage_traversal import (  # noqa: E402
    BLOCKS,
    QUICK_HOME,
    QUICK_WIDTH,
    free_port,
    neo4j_config,
    percentile,
)
from graph.access.users import create_user  # noqa: E402
from graph.core.bootstrap import bootstrap  # noqa: E402
from graph.core.driver import connect  # noqa: E402
from services import neo4j_server  # noqa: E402

QUERY = """
query($seed: ID!, $depth: Int!, $asOf: DateTime) {
  lineage(seed: $seed, direction: DOWNSTREAM, depth: $depth, levelLimit: 500, asOf: $asOf) {
    nodeCount
    levels {
      distance nodeCount
      nodes { id name type createdAt ... on LineageVersion { aliases size deletedAt } }
      clusters { id label count preview { id name } }
      edges { source target kind count }
    }
  }
}
"""


def timed(http: httpx.Client, variables: dict[str, object]) -> tuple[float, int]:
    began = time.perf_counter()
    response = http.post("/graphql", json={"query": QUERY, "variables": variables})
    elapsed = (time.perf_counter() - began) * 1000
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"request failed: {body['errors']}")
    return elapsed, int(body["data"]["lineage"]["nodeCount"])


async def run(args: argparse.Namespace) -> None:
    config = (
        neo4j_config(args.port, QUICK_HOME, "512m", "256m")
        if args.quick
        else neo4j_config(args.port)
    )
    width = QUICK_WIDTH if args.quick else WIDTH
    neo4j_server.start(config)
    password = neo4j_server.read_password(config.home)
    graph = connect(config.bolt_uri, neo4j_server.LOCAL_USER, password)
    api = None
    try:
        await bootstrap(graph)
        await ensure_graph(graph, BLOCKS, width)
        as_of = datetime.now(UTC).isoformat()
        _, key = await create_user(
            graph, f"bench-{uuid.uuid4().hex[:8]}", is_server_admin=True, with_key=True
        )
        assert key is not None
        port = free_port()
        api = start_api(config.bolt_uri, port, Path(tempfile.mkdtemp()), password)
        seeds = [Block(n, width=width).seed_id for n in range(BLOCKS)]
        headers = {"authorization": f"Bearer {key.secret}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as http:
            for depth in (3, 10):  # warm caches and plans of both query families
                for i in range(args.warmup):
                    for moment in (None, as_of):
                        timed(http, {"seed": seeds[i % BLOCKS], "depth": depth, "asOf": moment})
            print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(f"{args.runs} requests each, alternating, over {BLOCKS} seeds; asOf {as_of}")
            for depth in (3, 10):
                now_times: list[float] = []
                past_times: list[float] = []
                for i in range(args.runs):
                    seed = seeds[i % BLOCKS]
                    now_ms, now_nodes = timed(http, {"seed": seed, "depth": depth, "asOf": None})
                    past_ms, past_nodes = timed(http, {"seed": seed, "depth": depth, "asOf": as_of})
                    assert now_nodes == past_nodes, (now_nodes, past_nodes)
                    now_times.append(now_ms)
                    past_times.append(past_ms)
                n50, n95 = percentile(now_times, 0.5), percentile(now_times, 0.95)
                p50, p95 = percentile(past_times, 0.5), percentile(past_times, 0.95)
                print(
                    f"depth {depth:>2}: now p50 {n50:6.1f} ms p95 {n95:6.1f} ms | asOf p50 "
                    f"{p50:6.1f} ms p95 {p95:6.1f} ms | ratio p50 {p50 / n50:.2f} "
                    f"p95 {p95 / n95:.2f}"
                )
            print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
    parser.add_argument("--runs", type=int, default=40, help="requests per depth and variant")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per variant")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the Neo4j running")
    parser.add_argument("--quick", action="store_true", help="small graph, few requests")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.warmup = 5, 2
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
