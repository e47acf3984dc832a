"""Peer: the variable-length Cypher lineage query many tools run, against our level-wise walk.

    python bench/peers/naive_lineage.py            # the 1,000,000-node graph, then stop Neo4j
    python bench/peers/naive_lineage.py --quick    # 50-wide blocks in `.lineage/bench-quick` (CI)

Uses the benchmark Neo4j and graph of `bench/lineage_traversal.py` (`.lineage/bench-neo4j-lineage`,
built by that script on first use; a server already running from that folder is reused and left
running) and, downstream of block 0's seed version at depth 3, 10 and 20, times:
- `var-length`: `MATCH p = (s)-[:CONSUMED|PRODUCED*1..D]-(n)` with a per-hop direction check
  on the path (downstream is against CONSUMED and along PRODUCED, so a single-direction pattern
  cannot say it), the query a tool writes over a run/version graph;
- `quantified`: the same hops as a Neo4j 5 quantified path pattern, the direction checked while
  expanding, the best a path query can do;
- `walk`: `graph.lineage.traversal.traverse` as bench/lineage_traversal.py calls it (levelLimit
  500, the page's default, which samples wide levels), and exact (levelLimit 10,000: every node
  of every level expanded; nodeLimit 1,000,000).
The path queries return only `count(p)` and `count(DISTINCT n)`, never the paths, which favours
them. Each query runs in a transaction with a `--timeout` (60 s) timeout; one that does not finish
is reported as such, not repeated, and not tried at a greater depth. Prints p50 of `--runs` runs
with the distinct nodes found (the exact walk and the path queries must agree) and the load
average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

from neo4j import Query
from neo4j.exceptions import ClientError, TransientError

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))

from bench.lineage_ingest import WIDTH, Block, ensure_graph  # noqa: E402
from bench.lineage_traversal import (  # noqa: E402
    BLOCKS,
    DEFAULT_HOME,
    QUICK_HOME,
    QUICK_WIDTH,
    free_port,
    neo4j_config,
    percentile,
)
from graph.core.bootstrap import bootstrap  # noqa: E402
from graph.core.driver import Graph, connect  # noqa: E402
from graph.lineage.model import Direction, WalkLimits, WalkSpec  # noqa: E402
from graph.lineage.traversal import is_timeout, traverse  # noqa: E402
from services import neo4j_server  # noqa: E402

HOPS: dict[int, LiteralString] = {3: "3", 10: "10", 20: "20"}
"""Hop bounds cannot be parameters; the depths measured, as Cypher text."""

VAR_LENGTH: LiteralString = """
MATCH (s:ArtifactVersion {id: $seed})
MATCH p = (s)-[:CONSUMED|PRODUCED*1..HOPS]-(n)
WHERE all(i IN range(0, length(p) - 1) WHERE
  CASE type(relationships(p)[i])
    WHEN 'CONSUMED' THEN endNode(relationships(p)[i]) = nodes(p)[i]
    ELSE startNode(relationships(p)[i]) = nodes(p)[i]
  END)
RETURN count(p) AS paths, count(DISTINCT n) AS nodes
"""

QUANTIFIED: LiteralString = """
MATCH (s:ArtifactVersion {id: $seed})
MATCH p = (s)((a)-[r:CONSUMED|PRODUCED]-(b)
  WHERE (type(r) = 'CONSUMED' AND startNode(r) = b)
     OR (type(r) = 'PRODUCED' AND startNode(r) = a)){1,HOPS}(n)
RETURN count(p) AS paths, count(DISTINCT n) AS nodes
"""


@dataclass(frozen=True)
class Outcome:
    """One run: its time, the distinct nodes and paths found (paths None for the walk), or why
    it did not complete."""

    ms: float
    nodes: int = 0
    paths: int | None = None
    failed: str | None = None


Runner = Callable[[int], Awaitable[Outcome]]


def path_query(graph: Graph, template: LiteralString, seed: str, timeout: float) -> Runner:
    async def run(depth: int) -> Outcome:
        query = Query(template.replace("HOPS", HOPS[depth]), timeout=timeout)
        began = time.perf_counter()
        try:
            async with graph.driver.session(database=graph.database) as session:
                result = await session.run(query, seed=seed)
                record = await result.single(strict=True)
        except (ClientError, TransientError) as error:
            ms = (time.perf_counter() - began) * 1000
            reason = f"did not complete in {timeout:.0f} s" if is_timeout(error) else error.code
            return Outcome(ms, failed=reason)
        ms = (time.perf_counter() - began) * 1000
        return Outcome(ms, int(record["nodes"]), int(record["paths"]))

    return run


def walk(graph: Graph, seed: str, level_limit: int, timeout: float) -> Runner:
    async def run(depth: int) -> Outcome:
        limits = WalkLimits(
            depth=depth,
            level_limit=level_limit,
            node_limit=1_000_000,
            time_budget_ms=round(timeout * 1000),
        )
        began = time.perf_counter()
        walked = await traverse(graph, WalkSpec(seed, Direction.DOWNSTREAM, limits=limits))
        ms = (time.perf_counter() - began) * 1000
        cut = ",".join(t.value for t in walked.truncation)
        failed = f"did not complete in {timeout:.0f} s" if "TIME_BUDGET" in cut else None
        return Outcome(ms, walked.node_count, failed=failed)

    return run


def running_port(home: Path) -> int | None:
    """The bolt port of a server running from `home` (so it is reused, not started again)."""
    if neo4j_server.running_pid(neo4j_config(0, home)) is None:
        return None
    for line in (home / "conf" / "neo4j.conf").read_text().splitlines():
        if line.startswith("server.bolt.listen_address="):
            return int(line.rpartition(":")[2])
    return None


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


async def measure(
    runners: dict[str, Runner], depths: tuple[int, ...], runs: int, exact: str
) -> None:
    """Run each query at each depth `runs` times (after one untimed run at depth 3), printing a
    row as soon as it is known."""
    for runner in runners.values():
        await runner(3)
    print(f"\nload average before: {load()} (other processes share these cores)")
    print(f"{runs} runs per row after one warm-up at depth 3\n")
    print(f"{'query':<22} | depth | {'p50 ms':>9} | {'nodes':>9} | {'paths':>13} | note")
    print("-" * 90)
    gave_up: set[str] = set()
    exact_nodes: dict[int, int] = {}
    for depth in depths:
        for name, runner in runners.items():
            if name in gave_up:
                print(f"{name:<22} | {depth:>5} | {'-':>9} | {'-':>9} | {'-':>13} | not tried")
                continue
            outcomes: list[Outcome] = []
            for _ in range(runs):
                outcome = await runner(depth)
                outcomes.append(outcome)
                if outcome.failed:
                    break
            last = outcomes[-1]
            if last.failed:
                gave_up.add(name)
                note = last.failed
                print(f"{name:<22} | {depth:>5} | {'-':>9} | {'-':>9} | {'-':>13} | {note}")
                continue
            p50 = percentile([o.ms for o in outcomes], 0.5)
            paths = "" if last.paths is None else f"{last.paths:,}"
            if name == exact:
                exact_nodes[depth] = last.nodes
            agree = exact_nodes.get(depth)
            note = ""
            if last.paths is not None and agree is not None:
                note = "nodes = exact walk" if agree == last.nodes else f"walk found {agree:,}"
            print(f"{name:<22} | {depth:>5} | {p50:9.1f} | {last.nodes:>9,} | {paths:>13} | {note}")
    print(f"\nload average after: {load()}")


async def run(args: argparse.Namespace) -> None:
    config = neo4j_config(args.port, args.home, args.heap, args.pagecache)
    was_running = neo4j_server.running_pid(config) is not None
    began = time.monotonic()
    neo4j_server.start(config)
    print(f"benchmark Neo4j at {config.bolt_uri} ({time.monotonic() - began:.0f}s to start)")
    graph = connect(config.bolt_uri, neo4j_server.LOCAL_USER, neo4j_server.read_password(args.home))
    try:
        await bootstrap(graph)
        width = QUICK_WIDTH if args.quick else WIDTH
        began = time.monotonic()
        await ensure_graph(graph, BLOCKS, width)
        print(
            f"graph ready in {time.monotonic() - began:.0f}s ({BLOCKS} blocks of 20 layers x"
            f" {width:,} nodes); seed: block 0's seed version, downstream"
        )
        seed = Block(0, width=width).seed_id
        exact = "walk, exact"
        runners: dict[str, Runner] = {
            "walk, levelLimit 500": walk(graph, seed, 500, args.timeout),
            exact: walk(graph, seed, 10_000, args.timeout),
            "quantified path": path_query(graph, QUANTIFIED, seed, args.timeout),
            "var-length path": path_query(graph, VAR_LENGTH, seed, args.timeout),
        }
        await measure(runners, tuple(args.depths), args.runs, exact)
    finally:
        await graph.close()
        if was_running:
            print(f"the Neo4j in {config.home} was already running; left running")
        elif not args.keep_neo4j:
            neo4j_server.stop(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="bolt port (default: a free one)")
    parser.add_argument("--runs", type=int, default=3, help="runs per query and depth")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per query")
    parser.add_argument("--depths", type=int, nargs="+", choices=sorted(HOPS), default=sorted(HOPS))
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the Neo4j running")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help="the bench Neo4j's folder")
    parser.add_argument("--heap", default="3g", help="the bench Neo4j's heap")
    parser.add_argument("--pagecache", default="4g", help="the bench Neo4j's page cache")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_WIDTH}-wide blocks, a small Neo4j (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.timeout, args.depths = 1, 10.0, [3, 10]
        if args.home == DEFAULT_HOME:
            args.home, args.heap, args.pagecache = QUICK_HOME, "512m", "256m"
    if args.port == 0:
        args.port = running_port(args.home) or free_port()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
