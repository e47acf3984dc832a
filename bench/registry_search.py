"""Benchmark: collection search and registry path resolution through GraphQL over HTTP.

Builds (once) a registry of 100,000 linked versions in its own Neo4j, starts the API as a real
uvicorn process, and prints the latency of sequential GraphQL requests per scenario (p50, p95,
p99, max). The target is p95 < 20 ms on a 2-core machine.

    python bench/registry_search.py                  # build if needed, measure, stop Neo4j
    python bench/registry_search.py --keep-neo4j     # leave the bench Neo4j running
    python bench/registry_search.py --rebuild        # wipe the bench database and rebuild
    python bench/registry_search.py --quick          # small, in .lineage/bench-quick (CI)

The graph: one organisation, one custom registry `zoo` holding `--collections` collections
(types model / dataset / eval-set; 1-4 tags of 20; names `<word>-<word>-<n>`; created over a
year). One collection (`huge`) holds `--huge` versions; the others share the rest evenly. Every
collection has `latest`, half have `production`, a quarter `staging`; one run produced each ten
versions. Everything is written with raw Cypher following the graph model of DEVELOPERS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import start_api  # noqa: E402
from graph.access.api_keys import create_api_key, revoke_api_key  # noqa: E402
from graph.access.memberships import add_member  # noqa: E402
from graph.access.orgs import ensure_project  # noqa: E402
from graph.access.users import create_user  # noqa: E402
from graph.core.bootstrap import bootstrap  # noqa: E402
from graph.core.driver import Graph, connect  # noqa: E402
from graph.core.values import new_id  # noqa: E402
from graph.registry.admin import create_registry  # noqa: E402
from graph.registry.records import RegistryRole  # noqa: E402
from graph.registry.registries import require_registry  # noqa: E402
from graph.registry.roles import grant_registry_role  # noqa: E402
from services import neo4j_server  # noqa: E402

ORG = "bench-registry"
REGISTRY = "zoo"
WORDS = [
    "alpha", "bert", "clip", "delta", "echo", "falcon", "gpt", "hydra", "iris", "jade",
    "kite", "llama", "mamba", "nova", "orca", "pika", "quill", "resnet", "sigma", "t5",
]  # fmt: skip
TAGS = [f"tag{i:02d}" for i in range(20)]
TYPES = ["model", "dataset", "eval-set"]
BATCH = 5000

CREATE_COLLECTIONS: LiteralString = """
MATCH (r:Registry {id: $registry_id})
MATCH (p:Project {id: $project_id})
UNWIND $rows AS row
CREATE (c:Collection {id: row.id, registry_id: r.id, registry_name: r.name, org_id: r.org_id,
  org_name: r.org_name, name: row.name, type: row.type, description: row.description,
  tags: row.tags, next_index: row.count, created_at: row.created_at, created_by: 'bench'})
CREATE (r)-[:HAS_COLLECTION]->(c)
CREATE (a:Artifact {id: row.artifact_id, project_id: p.id, org_id: p.org_id, name: row.name,
  type: row.type, description: '', tags: [], next_index: row.count, created_at: row.created_at})
CREATE (p)-[:HAS_ARTIFACT]->(a)
"""

CREATE_VERSIONS: LiteralString = """
MATCH (p:Project {id: $project_id})
UNWIND $rows AS row
MATCH (c:Collection {id: row.collection_id})
MATCH (a:Artifact {id: row.artifact_id})
CREATE (v:ArtifactVersion {id: row.id, artifact_id: a.id, artifact_name: a.name,
  artifact_type: a.type, project_id: p.id, project_name: p.name, org_id: p.org_id,
  org_name: c.org_name, index: row.index, digest: row.digest, size: 1024, file_count: 3,
  description: '', metadata: '{}', tags: [], created_at: row.at, created_by: 'bench',
  state: 'COMMITTED'})
CREATE (a)-[:HAS_VERSION]->(v)
CREATE (v)-[:LINKED_TO {collection_id: c.id, index: row.index, linked_at: row.at,
  linked_by: 'bench'}]->(c)
FOREACH (_ IN CASE WHEN row.index % 10 = 0 THEN [1] ELSE [] END |
  CREATE (run:Run {id: row.run_id, project_id: p.id, org_id: p.org_id, name: row.run_name,
    job_type: 'train', state: 'FINISHED', created_at: row.at})
  CREATE (p)-[:HAS_RUN]->(run)
)
"""

CONNECT_RUNS: LiteralString = """
UNWIND $rows AS row
MATCH (run:Run {id: row.run_id})
MATCH (v:ArtifactVersion {id: row.id})
CREATE (run)-[:PRODUCED {at: row.at}]->(v)
"""

CREATE_ALIASES: LiteralString = """
UNWIND $rows AS row
MATCH (v:ArtifactVersion)-[:LINKED_TO {collection_id: row.collection_id, index: row.index}]->
      (:Collection)
CREATE (a:CollectionAlias {collection_id: row.collection_id, name: row.alias,
  created_at: datetime(), created_by: 'bench'})
CREATE (a)-[:POINTS_TO]->(v)
"""

MARKER: LiteralString = """
MATCH (m:BenchRegistryMarker) RETURN [m.versions, m.collections, m.huge] AS shape
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _plan(collections: int, versions: int, huge: int, rng: random.Random) -> list[dict[str, Any]]:
    """One row per collection: its name, type, tags, description, creation time and size."""
    rest = versions - huge
    base, extra = divmod(rest, collections - 1)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(collections):
        words = rng.sample(WORDS, 2)
        name = "huge" if i == 0 else f"{words[0]}-{words[1]}-{i}"
        rows.append(
            {
                "id": new_id(),
                "artifact_id": new_id(),
                "name": name,
                "type": TYPES[i % len(TYPES)] if i else "model",
                "description": f"The {words[0]} {rng.choice(WORDS)} collection number {i}",
                "tags": sorted(rng.sample(TAGS, rng.randint(1, 4))),
                "created_at": start + timedelta(minutes=rng.randint(0, 525_000)),
                "count": huge if i == 0 else base + (1 if i <= extra else 0),
            }
        )
    return rows


async def _build(graph: Graph, collections: int, versions: int, huge: int) -> None:
    rng = random.Random(7)
    project = await ensure_project(graph, ORG, "training")
    registry = await create_registry(
        graph, ORG, REGISTRY, accepted_types=TYPES, protected_aliases=["production"], actor="bench"
    )
    plan = _plan(collections, versions, huge, rng)
    for i in range(0, len(plan), BATCH):
        await graph.driver.execute_query(
            CREATE_COLLECTIONS,
            registry_id=registry.id,
            project_id=project.id,
            rows=plan[i : i + BATCH],
            database_=graph.database,
        )
    rows: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    done = 0
    for n, coll in enumerate(plan):
        run_id = ""
        for index in range(coll["count"]):
            if index % 10 == 0:
                run_id = new_id()
            vid = new_id()
            at = coll["created_at"] + timedelta(minutes=index)
            rows.append(
                {
                    "id": vid,
                    "collection_id": coll["id"],
                    "artifact_id": coll["artifact_id"],
                    "index": index,
                    "digest": (vid * 2),
                    "at": at,
                    "run_id": run_id,
                    "run_name": f"train-{n}-{index // 10}",
                }
            )
            if len(rows) >= BATCH:
                await _flush(graph, project.id, rows)
                done += len(rows)
                rows = []
                print(f"  {done:,} versions", file=sys.stderr, end="\r")
        count = coll["count"]
        aliases.append({"collection_id": coll["id"], "alias": "latest", "index": count - 1})
        if n % 2 == 0:
            aliases.append(
                {"collection_id": coll["id"], "alias": "production", "index": rng.randrange(count)}
            )
        if n % 4 == 0:
            aliases.append(
                {"collection_id": coll["id"], "alias": "staging", "index": rng.randrange(count)}
            )
    if rows:
        await _flush(graph, project.id, rows)
    for i in range(0, len(aliases), BATCH):
        await graph.driver.execute_query(
            CREATE_ALIASES, rows=aliases[i : i + BATCH], database_=graph.database
        )
    await graph.driver.execute_query(
        "CREATE (:BenchRegistryMarker {versions: $v, collections: $c, huge: $h})",
        v=versions,
        c=collections,
        h=huge,
        database_=graph.database,
    )
    print(file=sys.stderr)


async def _flush(graph: Graph, project_id: str, rows: list[dict[str, Any]]) -> None:
    await graph.driver.execute_query(
        CREATE_VERSIONS, project_id=project_id, rows=rows, database_=graph.database
    )
    await graph.driver.execute_query(CONNECT_RUNS, rows=rows, database_=graph.database)


async def _wipe(graph: Graph) -> None:
    while True:
        records, _, _ = await graph.driver.execute_query(
            "MATCH (n) WITH n LIMIT 2000 DETACH DELETE n RETURN count(*) AS n",
            database_=graph.database,
        )
        if records[0]["n"] == 0:
            return


async def prepare(uri: str, password: str | None, args: argparse.Namespace) -> str:
    """Build the graph unless already there; return a server admin's API key."""
    graph = connect(uri, neo4j_server.LOCAL_USER, password)
    try:
        if args.rebuild:
            await _wipe(graph)
        await bootstrap(graph)
        records, _, _ = await graph.driver.execute_query(MARKER, database_=graph.database)
        if not records or records[0]["shape"] != [args.versions, args.collections, args.huge]:
            if records:
                await _wipe(graph)
                await bootstrap(graph)
            began = time.monotonic()
            print(f"building {args.versions:,} linked versions...", file=sys.stderr)
            await _build(graph, args.collections, args.versions, args.huge)
            print(f"built in {time.monotonic() - began:.0f}s", file=sys.stderr)
        await graph.driver.execute_query("CALL db.awaitIndexes(300)", database_=graph.database)
        return await _bench_user(graph)
    finally:
        await graph.close()


async def _bench_user(graph: Graph) -> str:
    """An ordinary user who administers the organisation and the registry, as teams do.

    Also revokes a spare key, so that every label, type and property the access checks name
    exists in the bench database (Neo4j warns about unknown ones on every query otherwise).
    """
    user, key = await create_user(graph, f"bench-{new_id()[:8]}", with_key=True)
    assert key is not None
    await add_member(graph, ORG, user.name, "admin", actor="bench")
    registry = await require_registry(graph, ORG, REGISTRY)
    await grant_registry_role(
        graph,
        org_id=registry.org_id,
        registry_id=registry.id,
        user=user.name,
        role=RegistryRole.ADMIN,
        actor="bench",
    )
    spare = await create_api_key(graph, user.id, "spare")
    await revoke_api_key(graph, spare.record.id, owner_id=user.id)
    await graph.driver.execute_query(
        "MERGE (c:OrgClaim {org_name: 'bench-unclaimed'}) SET c.user_id = 'nobody'",
        database_=graph.database,
    )
    return key.secret


COLLECTION_PAGE = """
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id name type description tags createdAt versionCount } }
"""

SEARCH = (
    """
query($org: String!, $registry: String!, $filter: CollectionFilter, $after: String) {
  registry(organization: $org, name: $registry) {
    collections(filter: $filter, first: 20, after: $after) {"""
    + COLLECTION_PAGE
    + "} } }"
)

RESOLVE = """
query($path: String!) {
  registryVersion(path: $path) {
    id path index aliases linkedAt linkedBy artifactType digest sourcePath sourceVersionId
    producingRunName
  }
}
"""


def scenarios(
    rng: random.Random, collections: int, huge: int
) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each scenario makes the variables of one request, randomised per call."""
    base = {"org": ORG, "registry": REGISTRY}

    def search(make: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        return lambda: {"query": SEARCH, "variables": {**base, "filter": make()}}

    def resolve(make: Callable[[], str]) -> Callable[[], dict[str, Any]]:
        return lambda: {"query": RESOLVE, "variables": {"path": make()}}

    def some_collection() -> str:
        return f"{ORG}/registry-{REGISTRY}/{_name_of(rng.randrange(1, collections))}"

    return {
        "search: no filter, first page": search(lambda: {}),
        "search: name prefix": search(lambda: {"name": {"prefix": rng.choice(WORDS)}}),
        "search: name contains": search(lambda: {"name": {"contains": rng.choice(WORDS)[:3]}}),
        "search: description contains, any case": search(
            lambda: {"description": {"contains": rng.choice(WORDS).upper(), "ignoreCase": True}}
        ),
        "search: tagsAny": search(lambda: {"tagsAny": rng.sample(TAGS, 2)}),
        "search: type + tagsAll + createdAfter": search(
            lambda: {
                "type": rng.choice(TYPES),
                "tagsAll": rng.sample(TAGS, 1),
                "createdAfter": "2024-07-01T00:00:00Z",
            }
        ),
        "search: exact name": search(lambda: {"name": {"eq": "huge"}}),
        "resolve: :latest": resolve(lambda: f"{some_collection()}:latest"),
        "resolve: :production (W&B path)": resolve(
            lambda: (
                f"{ORG}/wandb-registry-{REGISTRY}/"
                f"{_name_of(2 * rng.randrange(1, collections // 2))}:production"
            )
        ),
        "resolve: :vN": resolve(lambda: f"{some_collection()}:v{rng.randrange(10)}"),
        "resolve: huge collection :vN": resolve(
            lambda: f"{ORG}/registry-{REGISTRY}/huge:v{rng.randrange(huge)}"
        ),
        "resolve: huge collection :latest": resolve(
            lambda: f"{ORG}/registry-{REGISTRY}/huge:latest"
        ),
    }


_NAMES: list[str] = []


def _name_of(i: int) -> str:
    return _NAMES[i]


def measure(
    url: str, key: str, scenario: Callable[[], dict[str, Any]], requests: int, warmup: int
) -> list[float]:
    timings: list[float] = []
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {key}"}) as http:
        for i in range(warmup + requests):
            body = scenario()
            began = time.perf_counter()
            response = http.post("/graphql", json=body)
            elapsed = (time.perf_counter() - began) * 1000
            payload = response.json()
            if payload.get("errors"):
                raise SystemExit(f"request failed: {payload['errors']}")
            if i >= warmup:
                timings.append(elapsed)
    return timings


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def _collection_names(uri: str, password: str | None) -> list[str]:
    graph = connect(uri, neo4j_server.LOCAL_USER, password)
    try:
        records, _, _ = await graph.driver.execute_query(
            "MATCH (c:Collection {org_name: $org}) RETURN c.name AS name, "
            "CASE c.name WHEN 'huge' THEN 0 ELSE toInteger(split(c.name, '-')[2]) END AS i "
            "ORDER BY i",
            org=ORG,
            database_=graph.database,
        )
        return [r["name"] for r in records]
    finally:
        await graph.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--collections", type=int, default=5_000)
    parser.add_argument("--huge", type=int, default=20_000, help="versions in one collection")
    parser.add_argument("--requests", type=int, default=300, help="measured requests/scenario")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--bolt-port", type=int, default=17695)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep-neo4j", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a small registry and Neo4j (CI)")
    args = parser.parse_args()
    if args.quick:  # the store python -m bench shares; quick graphs only (the shape check wipes)
        args.versions, args.collections, args.huge = 1_000, 50, 200
        args.requests, args.warmup = 20, 5

    config = neo4j_server.Neo4jServerConfig(
        home=REPO / ".lineage" / ("bench-quick" if args.quick else "bench-neo4j-registry"),
        bolt_port=args.bolt_port,
        heap="512m" if args.quick else "1g",
        pagecache="256m" if args.quick else "1g",
        jar_cache=REPO / ".lineage" / f"neo4j-lib-{neo4j_server.NEO4J_VERSION}",
    )
    neo4j_server.start(config)
    api: subprocess.Popen[bytes] | None = None
    try:
        password = neo4j_server.read_password(config.home)
        key = asyncio.run(prepare(config.bolt_uri, password, args))
        _NAMES.extend(asyncio.run(_collection_names(config.bolt_uri, password)))
        port = _free_port()
        with tempfile.TemporaryDirectory() as data_dir:
            api = start_api(config.bolt_uri, port, Path(data_dir), password)
            rng = random.Random(11)
            url = f"http://127.0.0.1:{port}"
            print(
                f"\n{args.versions:,} linked versions in {args.collections:,} collections "
                f"(one of {args.huge:,}); {args.requests} sequential requests per scenario "
                f"after {args.warmup} warm-up; GraphQL over HTTP to uvicorn; "
                f"{os.cpu_count()} cores\n"
            )
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"load average before: {load} (other processes share these cores)\n")
            print(f"{'scenario':44} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
            worst = 0.0
            for name, scenario in scenarios(rng, args.collections, args.huge).items():
                timings = measure(url, key, scenario, args.requests, args.warmup)
                p95 = _percentile(timings, 0.95)
                worst = max(worst, p95)
                print(
                    f"{name:44} {statistics.median(timings):7.1f} {p95:7.1f} "
                    f"{_percentile(timings, 0.99):7.1f} {max(timings):7.1f}"
                )
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"\nworst p95: {worst:.1f} ms (target < 20 ms); load average now {load}")
            api.terminate()
            api.wait(timeout=30)
            api = None
    finally:
        if api is not None:
            api.kill()
        if not args.keep_neo4j:
            neo4j_server.stop(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
