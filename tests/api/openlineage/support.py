"""Helpers of the OpenLineage tests: recorded events, an organisation, and the graph read back
through GraphQL as plain data that two ingestions can be compared by."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.conftest import ApiClient

DATA = Path(__file__).parents[2] / "data" / "openlineage"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python"
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def recorded(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return event


async def new_org(api: ApiClient, name: str) -> str:
    body = await api.data(
        "mutation($n: String!) { createOrganization(input: {name: $n}) { errors { code } } }",
        {"n": name},
    )
    assert body["createOrganization"]["errors"] == []
    return name


Dataset = tuple[str, str] | tuple[str, str, str]


def run_event(
    event_type: str,
    run_id: str,
    job: str,
    time: str,
    *,
    inputs: list[Dataset] | None = None,
    outputs: list[Dataset] | None = None,
    namespace: str = "pipelines",
    parent: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A RunEvent; datasets are (namespace, name) or (namespace, name, datasetVersion)."""

    def dataset(given: Dataset) -> dict[str, Any]:
        facets: dict[str, Any] = {}
        if len(given) == 3:
            facets["version"] = {
                "_producer": PRODUCER,
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json",
                "datasetVersion": given[2],
            }
        return {"namespace": given[0], "name": given[1], "facets": facets}

    run: dict[str, Any] = {"runId": run_id, "facets": {}}
    if parent is not None:
        run["facets"]["parent"] = {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json",
            "run": {"runId": parent[0]},
            "job": {"namespace": namespace, "name": parent[1]},
        }
    return {
        "eventType": event_type,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SPEC,
        "run": run,
        "job": {"namespace": namespace, "name": job},
        "inputs": [dataset(d) for d in inputs or []],
        "outputs": [dataset(d) for d in outputs or []],
    }


def run_uuid() -> str:
    return str(uuid.uuid4())


RUNS = """
query($org: String!, $project: String!) {
  runs(organization: $org, project: $project, first: 100) {
    edges { node {
      id name jobType state startedAt finishedAt
      openLineage
      parentRun { name }
      inputs(first: 100) { edges { node { name projectPath } } }
      outputs(first: 100) { edges { node { name projectPath } } }
    } }
  }
}
"""


async def snapshot(api: ApiClient, org: str, project: str) -> list[dict[str, Any]]:
    """A project's runs with their state, times, parent and edges, ids left out."""
    data = await api.data(RUNS, {"org": org, "project": project})
    runs: list[dict[str, Any]] = []
    for edge in data["runs"]["edges"]:
        node = edge["node"]
        runs.append(
            {
                "name": node["name"],
                "jobType": node["jobType"],
                "state": node["state"],
                "startedAt": node["startedAt"],
                "finishedAt": node["finishedAt"],
                "runId": node["openLineage"]["runId"] if node["openLineage"] else None,
                "parent": (node["parentRun"] or {}).get("name"),
                "inputs": sorted(
                    f"{e['node']['projectPath'].split('/', 1)[1]}/{e['node']['name']}"
                    for e in node["inputs"]["edges"]
                ),
                "outputs": sorted(
                    f"{e['node']['projectPath'].split('/', 1)[1]}/{e['node']['name']}"
                    for e in node["outputs"]["edges"]
                ),
            }
        )
    return sorted(runs, key=lambda run: (run["runId"] or "", run["name"]))
