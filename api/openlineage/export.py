"""The lineage around a node as OpenLineage events, so another system (or another Lineage
organisation) can ingest it.

- A run recorded from OpenLineage is exported as the events it was built from (one per stored
  eventType and eventTime), each with all of the run's inputs and outputs and its merged run and
  job facets; its job keeps its original namespace and name.
- Any other run as a START at its start and, once ended, a COMPLETE, FAIL or ABORT (CRASHED)
  at its end; its job is (project, run name).
- A version is a dataset: its original OpenLineage (namespace, name) and facets, else (project,
  artifact) with a `version` facet holding its digest. Versions no exported run touches come as
  DatasetEvents.

Ingesting the export into another organisation reproduces the same runs, states, times,
datasets, versions, edges and parent links (`tests/api/openlineage/test_export.py`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from graph.core.facets import decode_facets
from graph.core.values import from_micros
from graph.lineage.openlineage_export import ExportGraph
from graph.lineage.openlineage_model import parse_key

PRODUCER = "https://github.com/lineage/lineage/api/openlineage"
SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
VERSION_FACET = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet"
PARENT_FACET = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"
ENDINGS = {"FINISHED": "COMPLETE", "FAILED": "FAIL", "CRASHED": "ABORT"}


def _run_id(client_id: str) -> str:
    """A UUID, as the spec wants: the run's own id when it is one, else one derived from it."""
    try:
        return str(uuid.UUID(client_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lineage:run:{client_id}"))


def _job(row: dict[str, Any], openlineage: dict[str, Any] | None) -> dict[str, str]:
    job = (openlineage or {}).get("job") or {}
    if job.get("namespace") and job.get("name"):
        return {"namespace": job["namespace"], "name": job["name"]}
    return {"namespace": row["project_name"], "name": row["name"]}


def _dataset(version: dict[str, Any]) -> dict[str, Any]:
    stored = decode_facets(version["openlineage"])
    if stored is not None:
        return {
            "namespace": stored["namespace"],
            "name": stored["name"],
            "facets": stored.get("facets") or {},
        }
    return {
        "namespace": version["project"],
        "name": version["artifact"],
        "facets": {
            "version": {
                "_producer": PRODUCER,
                "_schemaURL": VERSION_FACET,
                "datasetVersion": version["digest"],
            }
        },
    }


def _time(value: datetime) -> str:
    return value.isoformat()


def export_events(graph: ExportGraph) -> list[dict[str, Any]]:
    """The events, oldest first (see the module docstring)."""
    datasets = {v["id"]: _dataset(v) for v in graph.versions}
    sides: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"CONSUMED": [], "PRODUCED": []}
    )
    touched: set[str] = set()
    for run_id, kind, version_id in sorted(graph.edges):
        sides[run_id][kind].append(datasets[version_id])
        touched.add(version_id)
    events: list[dict[str, Any]] = []
    for item in graph.runs:
        row = item["run"]
        openlineage = decode_facets(item["openlineage"])
        run_facets = dict(((openlineage or {}).get("run") or {}).get("facets") or {})
        job_facets = dict(((openlineage or {}).get("jobFacets") or {}).get("facets") or {})
        parent = item["parent"]
        if parent is not None:
            run_facets["parent"] = {
                "_producer": PRODUCER,
                "_schemaURL": PARENT_FACET,
                "run": {"runId": _run_id(parent["client_id"])},
                "job": _job(
                    {"project_name": parent["project"], "name": parent["name"]},
                    decode_facets(parent["openlineage"]),
                ),
            }
        else:
            run_facets.pop("parent", None)
        keys = list(item["events"] or [])
        stamps: list[tuple[datetime | None, str]]
        if openlineage is not None:
            stamps = [(parse_key(key)[1], parse_key(key)[0].value) for key in keys]
        else:
            stamps = [(from_micros(row["started_at"]), "START")]
            finished = from_micros(row["finished_at"])
            if finished is not None:
                stamps.append((finished, ENDINGS[row["state"]]))
        for at, event_type in stamps:
            if at is None:
                continue
            events.append(
                {
                    "eventType": event_type,
                    "eventTime": _time(at),
                    "producer": PRODUCER,
                    "schemaURL": f"{SPEC}#/$defs/RunEvent",
                    "run": {"runId": _run_id(row["client_id"]), "facets": run_facets},
                    "job": {**_job(row, openlineage), "facets": job_facets},
                    "inputs": sides[row["id"]]["CONSUMED"],
                    "outputs": sides[row["id"]]["PRODUCED"],
                }
            )
    events.sort(key=lambda event: (event["eventTime"], event["run"]["runId"], event["eventType"]))
    for version in graph.versions:
        if version["id"] not in touched:
            events.append(
                {
                    "eventTime": _time(datetime.now().astimezone()),
                    "producer": PRODUCER,
                    "schemaURL": f"{SPEC}#/$defs/DatasetEvent",
                    "dataset": datasets[version["id"]],
                }
            )
    return events
