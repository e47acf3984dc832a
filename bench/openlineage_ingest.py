"""OpenLineage ingestion over HTTP against our own `ingestLineage` for the same edges.

    python -m bench.openlineage_ingest [--uri bolt://127.0.0.1:7687] [--events 10000]
                                       [--batch 500]

Starts the API (`lineage serve`, bench/common.py) on the given Neo4j (NEO4J_URI or --uri;
password from NEO4J_PASSWORD, --password, or the local server's `.lineage/neo4j/password`), makes
a server-admin user and key and two fresh organisations, and sends `--events` COMPLETE RunEvents
(each run reads two datasets and writes one: the first half read source tables, the second half
the first half's outputs) to `POST /api/v1/lineage` in JSON-array batches of `--batch`,
sequentially. Then the same
runs and edges go through `ingestLineage` (compact rows, the same batch size) into the second
organisation, whose dataset versions were created first by DatasetEvents (untimed). Prints both
rates, their ratio, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, LiteralString

import httpx

from api.openlineage.mapping import as_name
from bench.common import REPO, start_api

NS = "s3://lake"
PRODUCER = "https://github.com/lineage/bench"
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
INGEST = """
mutation($input: IngestLineageInput!) {
  ingestLineage(input: $input) { runsCreated edgesCreated errors { code message } }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dataset(i: int) -> dict[str, Any]:
    return {
        "namespace": NS,
        "name": f"t{i}",
        "facets": {
            "version": {
                "_producer": PRODUCER,
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
                "datasetVersion": "1",
            }
        },
    }


def inputs_of(i: int, count: int) -> list[int]:
    """Two layers: the first half of the runs read two of 100 source tables (negative numbers),
    the second half two outputs of the first half (written by earlier batches)."""
    half = count // 2
    if i < half:
        return [-1 - i % 100, -1 - (i * 7 + 1) % 100]
    return [i - half, (i * 7) % half]


def run_events(count: int) -> list[dict[str, Any]]:
    base = 1_717_200_000
    return [
        {
            "eventType": "COMPLETE",
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + i)),
            "producer": PRODUCER,
            "schemaURL": f"{SPEC}#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-run-{i}"))},
            "job": {"namespace": "bench", "name": f"job{i % 50}"},
            "inputs": [dataset(j) for j in inputs_of(i, count)],
            "outputs": [dataset(i)],
        }
        for i in range(count)
    ]


def post(http: httpx.Client, path: str, body: Any, **params: str) -> dict[str, Any]:
    response = http.post(
        path,
        params=params,
        content=json.dumps(body),
        headers={"content-type": "application/json"},
    )
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.text[:500]}")
    result: dict[str, Any] = response.json()
    return result


def create_org(http: httpx.Client, name: str) -> None:
    post(
        http,
        "/graphql",
        {
            "query": "mutation($n: String!) { createOrganization(input: {name: $n}) "
            "{ errors { code } } }",
            "variables": {"n": name},
        },
    )


def openlineage(
    http: httpx.Client, org: str, events: list[dict[str, Any]], batch: int, expect: str = "stored"
) -> float:
    began = time.perf_counter()
    for start in range(0, len(events), batch):
        answer = post(http, "/api/v1/lineage", events[start : start + batch], organization=org)
        if answer[expect] != len(events[start : start + batch]):
            raise SystemExit(f"not all stored: {answer}")
    return time.perf_counter() - began


def ingest_lineage(
    http: httpx.Client,
    org: str,
    events: list[dict[str, Any]],
    batch: int,
    version_ids: dict[str, str],
) -> float:
    """The same runs and edges through `ingestLineage`, versions named by id (as the
    lineage_traversal benchmark does: resolving 30,000 `name:v0` paths is its own cost)."""
    stamp = 1_717_200_000_000
    seconds = 0.0
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        runs, edges = [], []
        for offset, event in enumerate(chunk):
            run_id, at = event["run"]["runId"], stamp + (start + offset) * 1000
            runs.append(
                {
                    "id": run_id,
                    "jobType": event["job"]["name"],
                    "state": "FINISHED",
                    "startedAt": at,
                    "finishedAt": at,
                }
            )
            for side, kind in (("inputs", "CONSUMED"), ("outputs", "PRODUCED")):
                for d in event[side]:
                    edges.append([run_id, version_ids[as_name(d["name"])], kind, at])
        body = {
            "query": INGEST,
            "variables": {
                "input": {
                    "organization": org,
                    "project": "bench",
                    "compactRuns": runs,
                    "compactEdges": edges,
                }
            },
        }
        began = time.perf_counter()
        answer = post(http, "/graphql", body)
        seconds += time.perf_counter() - began
        result = answer.get("data", {}).get("ingestLineage") or {}
        if answer.get("errors") or result.get("errors"):
            raise SystemExit(f"ingestLineage failed: {answer}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD"))
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    password = args.password
    if password is None:
        local = REPO / ".lineage" / "neo4j" / "password"
        password = local.read_text().strip() if local.exists() else None
    data_dir = Path(tempfile.mkdtemp(prefix="lineage-bench-ol-"))
    port = free_port()
    key = make_key(args.uri, password)
    api = start_api(args.uri, port, data_dir, password)
    try:
        headers = {"authorization": f"Bearer {key}"}
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=300
        ) as http:
            ol_org, own_org = (
                f"bench-ol-{uuid.uuid4().hex[:8]}",
                f"bench-own-{uuid.uuid4().hex[:8]}",
            )
            create_org(http, ol_org)
            create_org(http, own_org)
            post(
                http,
                "/graphql",
                {
                    "query": "mutation($o: String!) { createProject(input: {organization: $o, "
                    'name: "bench"}) { errors { code } } }',
                    "variables": {"o": own_org},
                },
            )
            events = run_events(args.events)
            edges = sum(len(e["inputs"]) + len(e["outputs"]) for e in events)
            datasets = {
                (d["namespace"], d["name"]): d for e in events for d in e["inputs"] + e["outputs"]
            }
            declared = [
                {
                    "eventTime": "2024-06-01T00:00:00Z",
                    "producer": PRODUCER,
                    "schemaURL": f"{SPEC}#/$defs/DatasetEvent",
                    "dataset": d,
                }
                for d in datasets.values()
            ]
            openlineage(http, own_org, declared, 2_000)  # versions for ingestLineage, untimed
            version_ids = read_version_ids(args.uri, password, own_org)
            before = os.getloadavg()
            ol_seconds = openlineage(http, ol_org, events, args.batch)
            own_seconds = ingest_lineage(http, own_org, events, args.batch, version_ids)
            after = os.getloadavg()
            replay = openlineage(http, ol_org, events, args.batch, "duplicates")
    finally:
        api.terminate()
        api.wait(timeout=30)
    load = ", ".join
    print(f"load average before: {load(f'{x:.2f}' for x in before)}")
    print(
        f"{args.events:,} RunEvents ({edges:,} edges, {args.events:,} new dataset versions), "
        f"batches of {args.batch}, sequential"
    )
    print(
        f"  POST /api/v1/lineage: {ol_seconds:.2f} s = {args.events / ol_seconds:,.0f} events/s"
        f" = {edges / ol_seconds:,.0f} edges/s"
    )
    print(
        f"  ingestLineage (compact rows, same runs and edges, versions made before): "
        f"{own_seconds:.2f} s = {edges / own_seconds:,.0f} edges/s"
    )
    print(f"  ratio OpenLineage / ingestLineage time: {ol_seconds / own_seconds:.2f}")
    print(f"  replaying the same events (all duplicates): {args.events / replay:,.0f} events/s")
    print(f"load average after: {load(f'{x:.2f}' for x in after)}")


VERSION_IDS: LiteralString = """
MATCH (v:ArtifactVersion {org_name: $org}) RETURN collect([v.artifact_name, v.id]) AS ids
"""


def read_version_ids(uri: str, password: str | None, org: str) -> dict[str, str]:
    """Artifact name -> id of its one version, in `org` (read directly: setup, not measured)."""
    import asyncio

    from graph.core.driver import connect
    from graph.core.tx import fetch_one

    async def read() -> dict[str, str]:
        graph = connect(uri, "neo4j", password)
        try:
            row = await graph.read(fetch_one, VERSION_IDS, org=org)
            return {name: version_id for name, version_id in (row or {}).get("ids", [])}
        finally:
            await graph.close()

    return asyncio.run(read())


def make_key(uri: str, password: str | None) -> str:
    import asyncio

    from graph.access.users import create_user
    from graph.core.bootstrap import bootstrap
    from graph.core.driver import connect

    async def create() -> str:
        graph = connect(uri, "neo4j", password)
        try:
            await bootstrap(graph)
            _, key = await create_user(
                graph, f"bench-{uuid.uuid4().hex[:8]}", is_server_admin=True, with_key=True
            )
            assert key is not None
            return key.secret
        finally:
            await graph.close()

    return asyncio.run(create())


if __name__ == "__main__":
    main()
