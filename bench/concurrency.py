"""Concurrency: 1, 4 and 16 clients at once against `lineage serve` with 1 and with N workers.

    python -m bench.concurrency [--uri bolt://127.0.0.1:7687] [--workers 2] [--clients 1,4,16]
                                [--seconds 8] [--quick]

Builds a small world through the public API only (a fresh user and organisation; a lineage of
`--layers` layers of `--width` runs, each reading two datasets of the layer before and writing
one, posted as OpenLineage events; `--links` dataset versions linked into collections of the
core `dataset` registry, each collection with a `production` alias), then for each worker count
starts the API (`lineage serve --workers W`, a real process on loopback, NEO4J_PASSWORD or
--password for the Neo4j) and, for each client count, runs that many concurrent clients for
`--seconds`, each alternating the lineage page query at depth 3 (downstream of a source dataset)
and a registry lookup (`registryVersion(path: ".../COLL:production")`). Prints per row:
requests/s, p50/p95 of each kind, errors, and the throughput ratio to one client; and the API's
peak resident memory (all its processes). The clients are asyncio tasks in this process, each
with its own connection. Prints the load average before and after.
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
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO
from graph.access.users import create_user
from graph.core.driver import connect

LINEAGE = """
query($seed: ID!) {
  lineage(seed: $seed, direction: DOWNSTREAM, depth: 3, levelLimit: 500) {
    nodeCount
    levels {
      distance kind nodeCount
      nodes { id name type createdAt ... on Run { state } ... on LineageVersion { aliases } }
      clusters { id label count preview { id name } }
      edges { source target kind count }
    }
  }
}
"""

RESOLVE = """
query($path: String!) { registryVersion(path: $path) { id index aliases } }
"""

VERSION_ID = """
query($path: String!) { artifactVersion(path: $path) { id } }
"""

CREATE_ORG = """
mutation($n: String!) { createOrganization(input: {name: $n}) { errors { code message } } }
"""

CREATE_COLLECTION = """
mutation($input: CreateCollectionInput!) { createCollection(input: $input) { errors { code } } }
"""

LINK = """
mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { errors { code message } } }
"""

NS = "bench"  # a valid project name: datasets land in project `bench`
PRODUCER = "https://github.com/lineage/bench"
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_api(
    uri: str, password: str | None, workers: int, data_dir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": password or "",
        "LINEAGE_PORT": str(port),
        "LINEAGE_DATA_DIR": str(data_dir),
        "LINEAGE_LOG_LEVEL": "WARNING",
        "LINEAGE_RATE_LIMIT_PER_KEY": "0",
        "LINEAGE_WEBHOOK_WORKER": "false",
        "LINEAGE_SWEEP_INTERVAL": "0",
    }
    log = (data_dir / f"api-{workers}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", str(workers)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API exited: {(data_dir / f'api-{workers}.log').read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                # every worker must be up: workers > 1 print their ready line once all are
                text = (data_dir / f"api-{workers}.log").read_text()
                if workers == 1 or "workers (Ctrl-C" in text:
                    return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the API did not start")


def resident_mib(root: int) -> float:
    """Resident memory of `root` and its descendants, MiB (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    total = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def gql(http: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise SystemExit(f"{query.split('(')[0].strip()}: {response.status_code} {body}")
    return body["data"]


def dataset(name: str) -> dict[str, Any]:
    return {"namespace": NS, "name": name}


def world_events(layers: int, width: int) -> list[dict[str, Any]]:
    """Layer 0: `width` source tables; run i of layer k reads tables i and i+1 of layer k and
    writes table i of layer k+1."""
    events = []
    stamp = 1_717_200_000
    for layer in range(layers):
        for i in range(width):
            stamp += 1
            events.append(
                {
                    "eventType": "COMPLETE",
                    "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)),
                    "producer": PRODUCER,
                    "schemaURL": f"{SPEC}#/$defs/RunEvent",
                    "run": {"runId": str(uuid.uuid4())},
                    "job": {"namespace": "bench", "name": f"step{layer}"},
                    "inputs": [
                        dataset(f"l{layer}_t{i}"),
                        dataset(f"l{layer}_t{(i + 1) % width}"),
                    ],
                    "outputs": [dataset(f"l{layer + 1}_t{i}")],
                }
            )
    return events


def build_world(url: str, key: str, args: argparse.Namespace) -> tuple[str, list[str]]:
    """The organisation's lineage and registry; returns the seed's id and the alias paths."""
    org = f"bench-conc-{uuid.uuid4().hex[:8]}"
    with httpx.Client(
        base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=120
    ) as http:
        gql(http, CREATE_ORG, {"n": org})
        events = world_events(args.layers, args.width)
        for start in range(0, len(events), 500):
            response = http.post(
                "/api/v1/lineage", params={"organization": org}, json=events[start : start + 500]
            )
            if response.status_code != 200:
                raise SystemExit(f"OpenLineage: {response.status_code} {response.text[:300]}")
        seed = gql(http, VERSION_ID, {"path": f"{org}/bench/l0_t0:latest"})["artifactVersion"]
        paths = []
        for n in range(args.links):
            layer, table = divmod(n, args.width)
            source = f"{org}/bench/l{layer % (args.layers + 1)}_t{table}:latest"
            collection = f"c{n % max(1, args.links // 4)}"
            gql(
                http,
                CREATE_COLLECTION,
                {
                    "input": {
                        "organization": org,
                        "registry": "dataset",
                        "name": collection,
                        "type": "dataset",
                    }
                },
            )
            target = f"{org}/registry-dataset/{collection}"
            gql(
                http,
                LINK,
                {
                    "input": {
                        "targetPath": target,
                        "artifactPath": source,
                        "aliases": ["production"],
                    }
                },
            )
            paths.append(f"{target}:production")
    return seed["id"], sorted(set(paths))


async def client_loop(
    url: str,
    key: str,
    seed: str,
    paths: list[str],
    until: float,
    offset: int,
    timings: dict[str, list[float]],
    errors: list[str],
) -> None:
    async with httpx.AsyncClient(
        base_url=url, headers={"authorization": f"Bearer {key}"}, timeout=60
    ) as http:
        n = offset
        while time.monotonic() < until:
            if n % 2 == 0:
                kind, body = "lineage", {"query": LINEAGE, "variables": {"seed": seed}}
            else:
                path = paths[n // 2 % len(paths)]
                kind, body = "registry", {"query": RESOLVE, "variables": {"path": path}}
            n += 1
            began = time.perf_counter()
            try:
                response = await http.post(
                    "/graphql",
                    content=json.dumps(body),
                    headers={"content-type": "application/json"},
                )
                answer = response.json()
                if response.status_code != 200 or answer.get("errors"):
                    errors.append(f"{response.status_code} {str(answer)[:200]}")
                    continue
            except (httpx.HTTPError, ValueError) as error:
                errors.append(repr(error))
                continue
            timings[kind].append((time.perf_counter() - began) * 1000)


async def measure(
    url: str, key: str, seed: str, paths: list[str], clients: int, seconds: float
) -> tuple[dict[str, list[float]], list[str], float]:
    timings: dict[str, list[float]] = {"lineage": [], "registry": []}
    errors: list[str] = []
    # warm-up: every client's connection and the server's caches
    await asyncio.gather(
        *(
            client_loop(
                url, key, seed, paths, time.monotonic() + 1, i, {"lineage": [], "registry": []}, []
            )
            for i in range(clients)
        )
    )
    began = time.monotonic()
    await asyncio.gather(
        *(
            client_loop(url, key, seed, paths, began + seconds, i, timings, errors)
            for i in range(clients)
        )
    )
    return timings, errors, time.monotonic() - began


async def new_key(uri: str, password: str | None) -> str:
    graph = connect(uri, "neo4j", password)
    try:
        _, key = await create_user(graph, f"bench-{uuid.uuid4().hex[:10]}", with_key=True)
        assert key is not None
        return key.secret
    finally:
        await graph.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD"))
    parser.add_argument("--workers", type=int, default=2, help="the worker count besides 1")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=40)
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a small world, short runs")
    args = parser.parse_args()
    if args.quick:
        args.layers, args.width, args.links, args.seconds, args.clients = 2, 10, 20, 1.5, "1,4"
    client_counts = [int(c) for c in args.clients.split(",")]
    key = asyncio.run(new_key(args.uri, args.password))
    data_dir = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    print(f"load average before: {load()}")
    seed: str | None = None
    paths: list[str] = []
    rows = []
    for workers in sorted({1, args.workers}):
        process, url = start_api(args.uri, args.password, workers, data_dir)
        peak = resident_mib(process.pid)
        try:
            if seed is None:
                seed, paths = build_world(url, key, args)
                print(
                    f"world: {args.layers} layers x {args.width} runs (OpenLineage), "
                    f"{len(paths)} collections with `production` ({args.links} links)"
                )
            base = None
            for clients in client_counts:
                timings, errors, took = asyncio.run(
                    measure(url, key, seed, paths, clients, args.seconds)
                )
                peak = max(peak, resident_mib(process.pid))
                done = len(timings["lineage"]) + len(timings["registry"])
                rate = done / took
                base = base or rate
                rows.append(
                    (
                        workers,
                        clients,
                        rate,
                        rate / base,
                        percentile(timings["lineage"], 0.5),
                        percentile(timings["lineage"], 0.95),
                        percentile(timings["registry"], 0.5),
                        percentile(timings["registry"], 0.95),
                        len(errors),
                    )
                )
                if errors:
                    print(f"  first error ({workers} workers, {clients} clients): {errors[0]}")
        finally:
            process.terminate()
            process.wait(30)
        print(f"API resident memory, {workers} worker(s), peak of its processes: {peak:.0f} MiB")
    header = "workers clients   req/s  x1-client  lineage p50/p95 ms  registry p50/p95 ms  errors"
    print(header)
    for w, c, rate, ratio, lp50, lp95, rp50, rp95, errs in rows:
        print(
            f"{w:7d} {c:7d} {rate:7.1f} {ratio:9.2f}  {lp50:8.1f} / {lp95:6.1f}"
            f"  {rp50:9.1f} / {rp95:6.1f}  {errs:6d}"
        )
    print(f"load average after: {load()}")
    if any(row[-1] for row in rows):
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
