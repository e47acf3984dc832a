"""The real openlineage-python client (HTTP transport, api_key auth) against a uvicorn server:
an extract job, a transform job with a parent run, and a training job reading the transform's
output, read back through GraphQL (runs, versions, lineage both ways), then exported and
ingested into a fresh organisation, which reproduces the same graph."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import dataset_version_dataset, parent_run, schema_dataset
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from strawberry.relay import GlobalID

from tests.api.openlineage.support import run_uuid
from tests.conftest import LiveServer

PRODUCER = "https://github.com/lineage/tests"
NS = "airflow-prod"


def _schema(*names: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type="STRING") for n in names]
    )


def _version(value: str) -> dataset_version_dataset.DatasetVersionDatasetFacet:
    return dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=value)


def _events() -> tuple[list[RunEvent], dict[str, str]]:
    ids = {name: run_uuid() for name in ("dag", "extract", "transform", "train")}
    orders = InputDataset(
        "postgres://db:5432", "shop.public.orders", facets={"schema": _schema("id")}
    )
    raw = {"schema": _schema("id", "amount"), "version": _version("raw-2024-06-01")}
    feats = {"schema": _schema("id", "f1"), "version": _version("feat-2024-06-01")}
    parent = {
        "parent": parent_run.ParentRunFacet(
            run=parent_run.Run(runId=ids["dag"]), job=parent_run.Job(namespace=NS, name="daily")
        )
    }

    def event(kind: RunState, run: str, job: str, minute: int, **sides: Any) -> RunEvent:
        return RunEvent(
            eventType=kind,
            eventTime=f"2024-06-01T02:{minute:02d}:00.000Z",
            run=Run(runId=ids[run], facets=parent if run in ("extract", "transform") else {}),
            job=Job(namespace=NS, name=job),
            producer=PRODUCER,
            inputs=sides.get("inputs", []),
            outputs=sides.get("outputs", []),
        )

    raw_out, raw_in = (
        OutputDataset("s3://lake", "raw/orders", facets=raw),
        InputDataset("s3://lake", "raw/orders", facets=raw),
    )
    feats_out = OutputDataset("s3://lake", "features/orders", facets=feats)
    feats_in = InputDataset("s3://lake", "features/orders", facets=feats)
    model = OutputDataset("models", "churn", facets={"version": _version("m1")})
    events = [
        event(RunState.START, "dag", "daily", 0),
        event(RunState.START, "extract", "daily.extract", 1, inputs=[orders]),
        event(RunState.COMPLETE, "extract", "daily.extract", 2, inputs=[orders], outputs=[raw_out]),
        event(RunState.START, "transform", "daily.transform", 3, inputs=[raw_in]),
        event(
            RunState.COMPLETE,
            "transform",
            "daily.transform",
            4,
            inputs=[raw_in],
            outputs=[feats_out],
        ),
        event(RunState.COMPLETE, "dag", "daily", 5),
        event(RunState.START, "train", "churn.train", 6, inputs=[feats_in]),
        event(RunState.COMPLETE, "train", "churn.train", 9, inputs=[feats_in], outputs=[model]),
    ]
    return events, ids


def _gql(server: LiveServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers=server.headers,
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]  # type: ignore[no-any-return]


def _org(server: LiveServer, name: str) -> str:
    _gql(
        server,
        "mutation($n: String!) { createOrganization(input: {name: $n}) { errors { code } } }",
        {"n": name},
    )
    return name


GRAPH = """
query($org: String!) {
  runs(organization: $org, project: "airflow-prod", first: 50) { edges { node {
    name state startedAt finishedAt parentRun { name }
    inputs { edges { node { name artifactName } } }
    outputs { edges { node { name artifactName } } }
  } } }
}
"""


def _graph(server: LiveServer, org: str) -> list[dict[str, Any]]:
    runs = [edge["node"] for edge in _gql(server, GRAPH, {"org": org})["runs"]["edges"]]
    for run in runs:
        for side in ("inputs", "outputs"):
            run[side] = sorted(edge["node"]["artifactName"] for edge in run[side]["edges"])
    return sorted(runs, key=lambda run: run["name"])


def test_the_openlineage_client_end_to_end(
    live_local_server: LiveServer, unique: Callable[[str], str]
) -> None:
    server = live_local_server
    org = _org(server, unique("ol-client"))
    client = OpenLineageClient(
        transport=HttpTransport(
            HttpConfig(
                url=server.url,
                auth=ApiKeyTokenProvider({"apiKey": server.api_key}),
                custom_headers={"X-Lineage-Organization": org},
            )
        )
    )
    events, ids = _events()
    for event in events:
        client.emit(event)
    graph = _graph(server, org)
    assert [(run["name"], run["state"]) for run in graph] == [
        ("churn.train", "FINISHED"),
        ("daily", "FINISHED"),
        ("daily.extract", "FINISHED"),
        ("daily.transform", "FINISHED"),
    ]
    transform = graph[3]
    assert transform["parentRun"] == {"name": "daily"}
    assert transform["inputs"] == ["raw_orders-" + transform["inputs"][0].split("-")[-1]]
    train = graph[0]
    assert train["startedAt"].startswith("2024-06-01T02:06:00")
    assert train["outputs"] == ["churn"]

    runs = _gql(
        server,
        'query($org: String!) { runs(organization: $org, project: "airflow-prod", '
        'jobType: "churn.train") { edges { node { id } } } }',
        {"org": org},
    )
    train_id = runs["runs"]["edges"][0]["node"]["id"]
    upstream = _gql(
        server,
        """query($seed: ID!) { lineage(seed: $seed, direction: UPSTREAM, depth: 10) {
             levels { distance nodes { name } } } }""",
        {"seed": train_id},
    )
    levels = sorted(upstream["lineage"]["levels"], key=lambda level: -level["distance"])
    names = [[node["name"] for node in level["nodes"]] for level in levels]
    assert [len(level) for level in names] == [1, 1, 1, 1, 1]
    assert [level[0] for level in names[1::2]] == ["daily.transform", "daily.extract"]
    assert names[0][0].startswith("features_orders-") and names[0][0].endswith(":v0")
    assert names[2][0].startswith("raw_orders-") and names[4] == ["shop.public.orders:v0"]

    # export around the training run, ingest into a fresh organisation: the same graph
    exported = httpx.get(
        f"{server.url}/api/v1/lineage/export",
        params={"node": train_id, "depth": 10},
        headers=server.headers,
        timeout=30,
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert {line["run"]["runId"] for line in lines} == {
        ids["extract"],
        ids["transform"],
        ids["train"],
    }  # the DAG run is reached only as a parent, not through data
    copy = _org(server, unique("ol-copy"))
    response = httpx.post(
        f"{server.url}/api/v1/lineage",
        params={"organization": copy},
        json=lines,
        headers=server.headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    copied = _graph(server, copy)
    original = [run for run in graph if run["name"] != "daily"]
    dag = next(run for run in copied if run["name"] == "daily")
    assert dag["state"] == "RUNNING"  # known only as a parent: its own events were not exported
    assert [run for run in copied if run["name"] != "daily"] == original

    refused = httpx.get(
        f"{server.url}/api/v1/lineage/export",
        params={"node": train_id},
        headers={"authorization": "Bearer wrong"},
    )
    assert refused.status_code == 401
    missing = httpx.get(
        f"{server.url}/api/v1/lineage/export",
        params={"node": str(GlobalID("Run", "0" * 32))},
        headers=server.headers,
    )
    assert missing.status_code == 404
