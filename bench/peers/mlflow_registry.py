"""MLflow Model Registry against our registry, side by side in one run, on the same data.

    python -m bench.peers.mlflow_registry            # 5,000 models x 4 versions, 300 samples
    python -m bench.peers.mlflow_registry --quick    # 200 x 4, 60 samples, 50 links (CI smoke)
    python -m bench.peers.mlflow_registry --models 1000 --versions-per-model 8

Why: the registry is the part of Lineage a team compares with MLflow's first, and issue 15 asks
for our lookups at most half MLflow's p95 and more links per second than MLflow.

MLflow (from PyPI, in its own venv `.lineage/peers/mlflow`, installed on first use, see
`mlflow_peer`) runs as `mlflow server` on loopback over a SQLite backend store in a temporary
directory with a local artifact root, and is driven by `mlflow.MlflowClient` in a subprocess of
that venv (`mlflow_driver`). Lineage runs as a `lineage serve` process over the bench's own
Neo4j (`.lineage/bench-neo4j-mlflow`, wiped at the start, stopped at the end; `--uri` uses
another Neo4j instead, NEO4J_PASSWORD for its password, leaving a fresh organisation behind),
driven by GraphQL over HTTP (`mlflow_lineage`).

The data, the same on both sides (`plan`): `--models` registered models / collections named
`<word>-<word>-<n>`, each with `--versions-per-model` versions, a `production` alias on one of
them, and two tags (MLflow `team=<t>`, `task=<t>`; ours `team-<t>`, `task-<t>`). Both sides are
filled in bulk (MLflow through its SQLAlchemy tables, ours with raw Cypher) before anything is
measured. The measures, sequential requests from one client with a keep-alive connection, each
side in turn per measure (MLflow first), on the same randomised samples:

- alias resolution: `get_model_version_by_alias(name, "production")` vs
  `registryVersion(path: "org/registry-model/NAME:production")`;
- search by name prefix: `search_registered_models("name LIKE 'word%'", max_results=20)` vs the
  registry's `collections(filter: {name: {prefix}}, first: 20)`;
- search by tag: `search_registered_models("tags.team = 't'")` vs `filter: {tagsAny: ["team-t"]}`;
  our search pages carry what MLflow's do: name, description, tags, creation time, the version
  count and the aliases (MLflow's also carry `latest_versions`);
- linking: `create_model_version` + `set_registered_model_alias(..., "production", v)` (two
  calls) vs one `linkArtifact(input: {targetPath, artifactVersionId, aliases: ["production"]})`
  of an already committed version, each into a different model.

Answers are checked (the alias's version, the new version's number, and the first page of each
search is compared between the two). Prints p50/p95 per lookup and links/s, with the ratio
Lineage / MLflow and the goal, and the load average before and after: the machine is shared, so
only ratios within one run mean anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import REPO, start_api
from bench.peers import mlflow_lineage, mlflow_peer
from graph.core.bootstrap import bootstrap
from graph.core.driver import Graph, connect
from graph.core.values import new_id
from services import neo4j_server

WORDS = [
    "alpha", "bert", "clip", "delta", "echo", "falcon", "gpt", "hydra", "iris", "jade",
    "kite", "llama", "mamba", "nova", "orca", "pika", "quill", "resnet", "sigma", "t5",
]  # fmt: skip
TEAMS = ["vision", "speech", "search", "ads", "ranking", "fraud", "nlp", "robotics", "maps", "ops"]
TASKS = ["classify", "detect", "embed", "generate", "rank", "segment", "forecast", "translate"]
LOOKUPS = ("alias", "prefix", "tag")


def make_plan(args: argparse.Namespace) -> dict[str, Any]:
    """The data and the request samples of both sides, from a fixed seed."""
    rng = random.Random(15)
    models = []
    for i in range(args.models):
        first, second = rng.sample(WORDS, 2)
        models.append(
            {
                "name": f"{first}-{second}-{i}",
                "description": f"The {first} {second} model number {i}",
                "tags": {"team": rng.choice(TEAMS), "task": rng.choice(TASKS)},
                "production": rng.randint(1, args.versions_per_model),
            }
        )
    count = args.samples + args.warmup
    linked = rng.sample(models, min(len(models), args.links + args.link_warmup))
    return {
        "versions_per_model": args.versions_per_model,
        "warmup": args.warmup,
        "link_warmup": args.link_warmup,
        "models": models,
        "scenarios": {
            "alias": [
                {"name": m["name"], "production": m["production"]}
                for m in (rng.choice(models) for _ in range(count))
            ],
            "prefix": [{"prefix": rng.choice(WORDS)} for _ in range(count)],
            "tag": [{"key": "team", "value": rng.choice(TEAMS)} for _ in range(count)],
            "link": [{"name": m["name"]} for m in linked],
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def prepare(
    uri: str, password: str | None, plan: dict[str, Any], own: bool
) -> mlflow_lineage.World:
    graph: Graph = connect(uri, neo4j_server.LOCAL_USER, password)
    try:
        if own:
            await mlflow_lineage.wipe(graph)
        await bootstrap(graph)
        return await mlflow_lineage.build(graph, plan, f"bench-mlflow-{new_id()[:8]}")
    finally:
        await graph.close()


def measure_both(
    plan: dict[str, Any],
    plan_file: Path,
    python: Path,
    server: mlflow_peer.MlflowServer,
    ours: mlflow_lineage.LineageClient,
) -> dict[str, dict[str, Any]]:
    """Each measure on MLflow, then on ours; the raw timings and answers per side."""
    results: dict[str, dict[str, Any]] = {}
    warmup = int(plan["warmup"])
    calls: dict[str, Callable[[dict[str, Any]], Any]] = {
        "alias": ours.resolve,
        "prefix": ours.search,
        "tag": ours.search,
    }
    for scenario in LOOKUPS:
        theirs = mlflow_peer.run_driver(python, "measure", str(plan_file), server.url, scenario)
        timings, answers = mlflow_lineage.timed(
            calls[scenario], plan["scenarios"][scenario], warmup
        )
        results[scenario] = {"mlflow": theirs, "lineage": {"timings": timings, "answers": answers}}
        print(f"  measured {scenario}", file=sys.stderr)
    theirs = mlflow_peer.run_driver(python, "measure", str(plan_file), server.url, "link")
    samples = plan["scenarios"]["link"]
    index = int(plan["versions_per_model"])
    link_warmup = int(plan["link_warmup"])
    for sample in samples[:link_warmup]:
        ours.link(sample, index)
    began = time.perf_counter()
    timings, _ = mlflow_lineage.timed(lambda s: ours.link(s, index), samples[link_warmup:], 0)
    results["link"] = {
        "mlflow": theirs,
        "lineage": {
            "timings": timings,
            "seconds": time.perf_counter() - began,
            "count": len(timings),
        },
    }
    print("  measured link", file=sys.stderr)
    return results


def print_table(results: dict[str, dict[str, Any]]) -> bool:
    """The comparison table; True when every goal is met."""
    titles = {"alias": "alias resolution", "prefix": "search: name prefix", "tag": "search: tag"}
    print(f"\n{'measure':34} {'MLflow':>9} {'Lineage':>9} {'ratio':>7}  goal        met")
    all_met = True
    for scenario in LOOKUPS:
        theirs = results[scenario]["mlflow"]["timings"]
        ours = results[scenario]["lineage"]["timings"]
        for label, q in (("p50", 0.5), ("p95", 0.95)):
            a, b = percentile(theirs, q), percentile(ours, q)
            line = f"{titles[scenario] + ' ' + label + ' (ms)':34} {a:9.1f} {b:9.1f} {b / a:7.2f}"
            if label == "p95":
                met = bool(b / a <= 0.5)
                all_met &= met
                line += f"  <= 0.50     {'yes' if met else 'NO'}"
            print(line)
    link = results["link"]
    rate_a = link["mlflow"]["count"] / link["mlflow"]["seconds"]
    rate_b = link["lineage"]["count"] / link["lineage"]["seconds"]
    met = bool(rate_b > rate_a)
    all_met &= met
    print(
        f"{'link + alias (links/s)':34} {rate_a:9.1f} {rate_b:9.1f} {rate_b / rate_a:7.2f}"
        f"  > 1.00      {'yes' if met else 'NO'}"
    )
    for label, q in (("p50", 0.5), ("p95", 0.95)):
        a = percentile(link["mlflow"]["timings"], q)
        b = percentile(link["lineage"]["timings"], q)
        print(f"{'link + alias ' + label + ' (ms)':34} {a:9.1f} {b:9.1f} {b / a:7.2f}")
    print("(ratio: Lineage / MLflow; for latencies lower is better, for links/s higher)")
    return all_met


def check_same_pages(results: dict[str, dict[str, Any]]) -> None:
    """Both sides must answer the same first page of every search sample (both order by name)."""
    for scenario in ("prefix", "tag"):
        theirs = results[scenario]["mlflow"]["answers"]
        ours = results[scenario]["lineage"]["answers"]
        differing = sum(1 for a, b in zip(theirs, ours, strict=True) if a != b)
        if differing:
            print(f"WARNING: {differing} {scenario} searches answered different pages")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 models, 60 samples, 50 links")
    parser.add_argument("--models", type=int, default=None, help="default 5,000 (200 quick)")
    parser.add_argument("--versions-per-model", type=int, default=4)
    parser.add_argument("--samples", type=int, default=None, help="timed requests per lookup")
    parser.add_argument("--links", type=int, default=None, help="timed links (500, 50 quick)")
    parser.add_argument("--uri", default=None, help="an existing Neo4j instead of the bench's")
    parser.add_argument("--bolt-port", type=int, default=17697, help="the bench Neo4j's port")
    parser.add_argument("--venv", type=Path, default=REPO / ".lineage" / "peers" / "mlflow")
    args = parser.parse_args()
    args.models = args.models or (200 if args.quick else 5000)
    args.samples = args.samples or (60 if args.quick else 300)
    args.links = args.links or (50 if args.quick else 500)
    args.warmup = 10 if args.quick else 30
    args.link_warmup = 5 if args.quick else 10
    if args.links + args.link_warmup > args.models:
        raise SystemExit("--links needs that many models (each link goes into another model)")

    print(f"load average before: {load()} ({os.cpu_count()} cores, shared)")
    python = mlflow_peer.install(args.venv)
    plan = make_plan(args)
    config = neo4j_server.Neo4jServerConfig(
        home=REPO / ".lineage" / "bench-neo4j-mlflow",
        bolt_port=args.bolt_port,
        heap="1g",
        pagecache="512m",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    own = args.uri is None
    api: subprocess.Popen[bytes] | None = None
    server: mlflow_peer.MlflowServer | None = None
    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as tmp:
        root = Path(tmp)
        plan_file = root / "plan.json"
        plan_file.write_text(json.dumps(plan))
        try:
            if own:
                neo4j_server.start(config)
                uri, password = config.bolt_uri, neo4j_server.read_password(config.home)
            else:
                uri, password = args.uri, os.environ.get("NEO4J_PASSWORD")
            world = asyncio.run(prepare(uri, password, plan, own))
            server = mlflow_peer.MlflowServer(python, root / "mlflow", free_port())
            server.root.mkdir()
            filled = mlflow_peer.run_driver(python, "populate", str(plan_file), server.db_uri)
            server.start()
            (root / "api").mkdir()
            port = free_port()
            api = start_api(uri, port, root / "api", password)
            ours = mlflow_lineage.LineageClient(f"http://127.0.0.1:{port}", world)
            versions = args.models * args.versions_per_model
            print(
                f"{args.models:,} models / collections, {versions:,} versions; "
                f"MLflow {filled['mlflow_version']} filled in {filled['seconds']:.1f} s, "
                f"ours built in {world.build_seconds:.1f} s\n"
                f"{args.samples} timed requests per lookup after {args.warmup} warm-up, "
                f"{args.links} timed links after {args.link_warmup}; sequential, one client each"
            )
            print(f"load average at start of measuring: {load()}")
            try:
                results = measure_both(plan, plan_file, python, server, ours)
            finally:
                ours.close()
            check_same_pages(results)
            all_met = print_table(results)
            print(f"\nload average after: {load()}")
            print("every goal met" if all_met else "goals missed: see NO above")
        except BaseException:
            # the temporary directory goes with the logs: show why a server failed first
            for log in (root / "api" / "api.log", root / "mlflow" / "server.log"):
                if log.is_file():
                    print(f"--- {log.name}, last lines:\n{log.read_text(errors='replace')[-3000:]}")
            raise
        finally:
            if server is not None:
                server.stop()
            if api is not None:
                api.terminate()
                try:
                    api.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    api.kill()
            if own:
                neo4j_server.stop(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
