"""Lineage for the graph page's browser tests, made through the published API only (the Python
SDK and the `ingestLineage` mutation, with the admin's key), never raw Cypher.

`seed_training`: a `prepare` run logs the dataset `corpus`; seven `train` runs `train-0..6` each
consume it and log a version of the `model` artifact (train-i logs model:vi); an `evaluate` run
(job type `eval`) consumes train-3's model and logs a `report`. From the dataset, downstream:
level 1 is a cluster of 7 train runs, level 2 a cluster of 7 model versions, level 3 the
evaluation. `seed_wide`: a dataset consumed by 10,000 imported runs (one `ingestLineage` batch).
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lineage import Artifact, init
from lineage.client import Client

from .support import WebServer, create_organization, graphql


@dataclass
class Training:
    org: str
    project: str
    dataset_path: str
    dataset_id: str
    train_runs: dict[str, str] = field(default_factory=dict)
    """Run name -> run id (global)."""
    models: dict[str, str] = field(default_factory=dict)
    """Producing run name -> model version id (global, LineageVersion)."""
    eval_run: str = ""
    report_id: str = ""


def _client(server: WebServer) -> Client:
    return Client(url=server.url, api_key=server.admin_key)


def _artifact(workdir: Path, name: str, kind: str, content: str) -> Artifact:
    file = workdir / f"{name}-{uuid.uuid4().hex[:6]}.txt"
    file.write_text(content)
    artifact = Artifact(name, type=kind)
    artifact.add_file(file, name="content.txt")
    return artifact


SEED_ID = "query($p: ID!) { lineage(seed: $p, depth: 0) { seed { id } } }"


def _lineage_id(server: WebServer, path_or_id: str) -> str:
    """The id the lineage page shows for a version path or a run id."""
    seed_id: str = graphql(server, SEED_ID, {"p": path_or_id})["lineage"]["seed"]["id"]
    return seed_id


def seed_training(server: WebServer) -> Training:
    org = create_organization(server, "lineage")
    project = f"{org}/vision"
    with _client(server) as client, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with init(project, job_type="prepare", name="prepare-corpus", client=client) as prepare:
            dataset = prepare.log_artifact(_artifact(workdir, "corpus", "dataset", "a,b\n1,2\n"))
        dataset_path = dataset.path
        training = Training(org, project, dataset_path, _lineage_id(server, dataset_path))
        for i in range(7):
            name = f"train-{i}"
            with init(project, "train", name=name, config={"seed": i}, client=client) as run:
                run.use_artifact(dataset_path)
                model = run.log_artifact(_artifact(workdir, "model", "model", f"weights {i}"))
            training.train_runs[f"train-{i}"] = _lineage_id(server, run.id)
            training.models[f"train-{i}"] = _lineage_id(server, model.path)
        with init(project, job_type="eval", name="evaluate", client=client) as evaluate:
            evaluate.use_version(training.models["train-3"])
            report = evaluate.log_artifact(_artifact(workdir, "report", "report", "accuracy 0.9"))
        training.eval_run = _lineage_id(server, evaluate.id)
        training.report_id = _lineage_id(server, report.path)
    return training


def seed_wide(server: WebServer, consumers: int = 10_000) -> tuple[str, str]:
    """A dataset consumed by `consumers` imported runs; (its path, its lineage id)."""
    org = create_organization(server, "wide")
    project = f"{org}/wide"
    with (
        _client(server) as client,
        tempfile.TemporaryDirectory() as tmp,
        init(project, job_type="prepare", name="prepare-wide", client=client) as prepare,
    ):
        dataset = prepare.log_artifact(_artifact(Path(tmp), "wide-data", "dataset", "x\n"))
    path = dataset.path
    version_id = _lineage_id(server, path)
    tag = uuid.uuid4().hex[:8]
    runs = [
        {
            "id": f"wide-{tag}-{i:05d}",
            "jobType": "score",
            "name": f"score-{i}",
            "startedAt": 1_700_000_000_000 + i,
            "finishedAt": 1_700_000_001_000 + i,
        }
        for i in range(consumers)
    ]
    edges = [[run["id"], version_id, "CONSUMED", None] for run in runs]
    data = graphql(
        server,
        "mutation($input: IngestLineageInput!) { ingestLineage(input: $input) {"
        " runsCreated edgesCreated errors { code message } } }",
        {
            "input": {
                "organization": org,
                "project": "wide",
                "compactRuns": runs,
                "compactEdges": edges,
            }
        },
    )
    assert not data["ingestLineage"]["errors"], data
    assert data["ingestLineage"]["runsCreated"] == consumers
    return path, version_id


def seed_twins(server: WebServer) -> tuple[str, str]:
    """Two projects, each with a `train` run logging `model:v0`; the second run trained on the
    first project's model. (The organisation, the first model's path.)"""
    org = create_organization(server, "twins")
    with _client(server) as client, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with init(f"{org}/alpha", "train", name="train", client=client) as first:
            alpha = first.log_artifact(_artifact(workdir, "model", "model", "alpha"))
        with init(f"{org}/beta", "train", name="train", client=client) as second:
            second.use_artifact(alpha.path)
            second.log_artifact(_artifact(workdir, "model", "model", "beta"))
    return org, alpha.path


def seed_crowded(server: WebServer) -> str:
    """A dataset `base` consumed by run `wide-out`, which logs four tables `t0..t3`, and by run
    `narrow-out`, which logs one table `single`: expanding `wide-out` downstream fills the rows
    around it, where `narrow-out`'s output would otherwise go. The dataset's path."""
    org = create_organization(server, "crowded")
    project = f"{org}/etl"
    with _client(server) as client, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with init(project, job_type="ingest", name="maker", client=client) as maker:
            base = maker.log_artifact(_artifact(workdir, "base", "dataset", "x\n1\n"))
        with init(project, job_type="split", name="wide-out", client=client) as wide:
            wide.use_artifact(base.path)
            for i in range(4):
                wide.log_artifact(_artifact(workdir, f"t{i}", "table", f"part {i}"))
        with init(project, job_type="copy", name="narrow-out", client=client) as narrow:
            narrow.use_artifact(base.path)
            narrow.log_artifact(_artifact(workdir, "single", "table", "all"))
    return base.path
