"""How OpenLineage's names become ours (docs/openlineage.md has the table).

- A job or dataset namespace is a project: the configured mapping
  (`LINEAGE_OPENLINEAGE_PROJECTS`, `{"namespace": "project"}`) or the namespace as a name.
- A dataset name is an artifact of type `dataset` in its namespace's project; a job name is the
  run's name (up to 256 characters) and, as a name, its job type.
- Names outside our rules (`graph.core.names`: 1-128 letters, digits, `_ - .`) are mapped
  deterministically: runs of other characters become `_`, and a hash of the original keeps
  distinct names apart (`postgres://db:5432` -> `postgres_db_5432-3f2a9c1d`); a name that is
  already valid stays as it is. The original (namespace, name) is kept on the artifact.
- A dataset version is named by its `version` facet (`datasetVersion`) when it has one, else by
  its schema's fields (same schema, same version), else it is the dataset's one unversioned
  version. Inputs and outputs use the same rule, so a consumer finds the version its producer
  wrote whichever event arrives first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from graph.artifacts import DatasetVersion
from graph.core.facets import canonical_json
from graph.core.names import MAX_NAME_LENGTH, NAME_PATTERN
from graph.lineage.openlineage_model import (
    OlDatasetEvent,
    OlEventType,
    OlJob,
    OlParent,
    OlRunEvent,
)
from graph.lineage.runs import MAX_TEXT

OTHER_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HASH_LENGTH = 8


@dataclass(frozen=True)
class Naming:
    """The configured namespace -> project mapping (settings), the rest by rule."""

    projects: Mapping[str, str] = field(default_factory=dict[str, str])

    def project(self, namespace: str) -> str:
        return self.projects.get(namespace) or as_name(namespace)


def as_name(value: str) -> str:
    """`value` if it is a valid name, else its deterministic mapping (module docstring)."""
    if NAME_PATTERN.fullmatch(value) and value not in {".", ".."}:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:HASH_LENGTH]
    readable = OTHER_CHARACTERS.sub("_", value).strip("_.") or "x"
    return f"{readable[: MAX_NAME_LENGTH - HASH_LENGTH - 1]}-{digest}"


def as_text(value: str) -> str:
    """A run name: at most 256 printable characters (longer ones keep a hash at the end)."""
    text = CONTROL.sub(" ", value).strip() or "job"
    if len(text) <= MAX_TEXT:
        return text
    digest = hashlib.sha256(value.encode()).hexdigest()[:HASH_LENGTH]
    return f"{text[: MAX_TEXT - HASH_LENGTH - 1]}-{digest}"


def _facets(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def version_digest(facets: dict[str, Any]) -> str:
    """The identity of a dataset's state (module docstring), a sha256 hex digest."""
    version = _facets(facets.get("version")).get("datasetVersion")
    if isinstance(version, str) and not _facets(facets.get("version")).get("_deleted"):
        basis: Any = {"version": version}
    elif isinstance(facets.get("schema"), dict) and "fields" in facets["schema"]:
        basis = {"schema": facets["schema"]["fields"]}
    else:
        basis = {"unversioned": True}
    return hashlib.sha256(canonical_json(basis).encode()).hexdigest()


def dataset_version(dataset: dict[str, Any], at: datetime, naming: Naming) -> DatasetVersion:
    namespace, name = str(dataset["namespace"]), str(dataset["name"])
    facets = _facets(dataset.get("facets"))
    return DatasetVersion(
        project=naming.project(namespace),
        artifact=as_name(name),
        digest=version_digest(facets),
        namespace=namespace,
        name=name,
        at=at,
        facets=facets,
    )


def job_of(job: dict[str, Any], naming: Naming) -> OlJob:
    namespace, name = str(job["namespace"]), str(job["name"])
    return OlJob(
        project=naming.project(namespace),
        namespace=namespace,
        name=name,
        run_name=as_text(name),
        job_type=as_name(name),
    )


def map_event(
    index: int, event: dict[str, Any], kind: str, naming: Naming
) -> OlRunEvent | OlDatasetEvent:
    """One validated event (`api.openlineage.validation`) in the lineage wing's terms."""
    at = datetime.fromisoformat(event["eventTime"])
    if kind == "DatasetEvent":
        return OlDatasetEvent(index, (dataset_version(event["dataset"], at, naming),))
    inputs = tuple(dataset_version(d, at, naming) for d in event.get("inputs") or [])
    outputs = tuple(dataset_version(d, at, naming) for d in event.get("outputs") or [])
    if kind == "JobEvent":
        return OlDatasetEvent(index, inputs + outputs)
    run_facets = _facets(event["run"].get("facets"))
    parent = _facets(run_facets.get("parent"))
    parent_run = _facets(parent.get("run")).get("runId")
    parent_job = _facets(parent.get("job"))
    return OlRunEvent(
        index=index,
        run_id=str(event["run"]["runId"]).lower(),
        type=OlEventType(event.get("eventType") or "OTHER"),
        time=at,
        job=job_of(event["job"], naming),
        inputs=inputs,
        outputs=outputs,
        parent=OlParent(str(parent_run).lower(), job_of(parent_job, naming))
        if parent_run and "namespace" in parent_job and "name" in parent_job
        else None,
        run_facets=run_facets,
        job_facets=_facets(event["job"].get("facets")),
    )
