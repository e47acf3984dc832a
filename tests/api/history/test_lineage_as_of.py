"""The lineage view as of a moment, and what changed between two: a dataset feeds a training
run; later an evaluation run uses the model and a second model version is deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.artifacts.ids import global_id
from api.context import Services
from graph.artifacts.delete_version import delete_version
from graph.core.driver import Graph
from graph.lineage import edges, runs
from tests.api.history.test_as_of import moment, own_org
from tests.conftest import ApiClient
from tests.model_writer import log_version

LINEAGE = """
query($seed: ID!, $asOf: DateTime) {
  lineage(seed: $seed, direction: DOWNSTREAM, depth: 4, asOf: $asOf) {
    walk
    levels {
      distance
      nodes { name ... on LineageVersion { deletedAt } }
      clusters { id count }
    }
  }
}
"""

IMPACT = """
query($node: ID!, $asOf: DateTime) {
  lineageImpact(node: $node, asOf: $asOf) { runCount versionCount }
}
"""

PATHS = """
query($from: ID!, $to: ID!, $asOf: DateTime) {
  lineagePaths(from: $from, to: $to, asOf: $asOf) { direction paths { length } }
}
"""

DIFF = """
query($seed: ID!, $from: DateTime!, $to: DateTime) {
  lineageDiff(seed: $seed, from: $from, to: $to, direction: DOWNSTREAM, depth: 4) {
    addedNodes { name } removedNodes { name ... on LineageVersion { deletedAt } }
    addedEdges { kind } removedEdges { kind } truncated
  }
}
"""

VERSION_DIFF = """
query($from: ID!, $to: ID!) {
  artifactVersionDiff(from: $from, to: $to) {
    filesAdded filesRemoved filesChanged filesTruncated sizeDelta descriptionChanged
    files { totalCount edges { node { path change digestBefore digestAfter } } }
  }
}
"""


def names(view: dict[str, Any]) -> list[list[str]]:
    return [sorted(n["name"] for n in level["nodes"]) for level in view["levels"]]


async def test_the_lineage_view_before_and_after_a_new_run_and_a_deletion(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("lineage-asof")
    await own_org(api, org)
    data = await log_version(graph, org, "p", "images", type="dataset")
    train = await runs.create_run(graph, org, "p", runs.NewRun(job_type="train", name="train"))
    await edges.use_artifact(graph, train.id, version_id=data.version.id)
    model = await log_version(graph, org, "p", "model", type="model", run_id=train.id)
    spare = await log_version(graph, org, "p", "model", type="model", run_id=train.id)
    before = await moment()  # images -> train -> model v0, v1
    evaluate = await runs.create_run(graph, org, "p", runs.NewRun(job_type="eval", name="eval"))
    await edges.use_artifact(graph, evaluate.id, version_id=model.version.id)
    await delete_version(graph, spare.version.id, actor="tests")
    after = await moment()  # eval added, model v1 deleted

    seed = global_id("ArtifactVersion", data.version.id)
    then = (await api.data(LINEAGE, {"seed": seed, "asOf": before.isoformat()}))["lineage"]
    assert names(then) == [["train"], ["model:v0", "model:v1"]]
    deleted = {n["name"]: n["deletedAt"] for n in then["levels"][1]["nodes"]}
    assert deleted["model:v0"] is None and deleted["model:v1"] is not None, "a tombstone now"
    now = (await api.data(LINEAGE, {"seed": seed, "asOf": None}))["lineage"]
    assert names(now) == [["train"], ["model:v0"], ["eval"]]
    assert then["walk"] != now["walk"], "the moment is part of the walk"

    impact_then = await api.data(IMPACT, {"node": seed, "asOf": before.isoformat()})
    impact_now = await api.data(IMPACT, {"node": seed, "asOf": None})
    assert impact_then["lineageImpact"] == {"runCount": 1, "versionCount": 2}
    assert impact_now["lineageImpact"] == {"runCount": 2, "versionCount": 1}

    eval_id = global_id("Run", evaluate.id)
    paths_then = await api.data(PATHS, {"from": seed, "to": eval_id, "asOf": before.isoformat()})
    assert paths_then["lineagePaths"] is None, "the eval run did not exist yet"
    paths_now = await api.data(PATHS, {"from": seed, "to": eval_id, "asOf": after.isoformat()})
    assert paths_now["lineagePaths"]["direction"] == "DOWNSTREAM"
    assert paths_now["lineagePaths"]["paths"][0]["length"] == 3

    diff = (
        await api.data(DIFF, {"seed": seed, "from": before.isoformat(), "to": after.isoformat()})
    )["lineageDiff"]
    assert [n["name"] for n in diff["addedNodes"]] == ["eval"]
    assert [n["name"] for n in diff["removedNodes"]] == ["model:v1"]
    assert diff["removedNodes"][0]["deletedAt"] is not None
    assert [e["kind"] for e in diff["addedEdges"]] == ["CONSUMED"]
    assert [e["kind"] for e in diff["removedEdges"]] == ["PRODUCED"]
    assert diff["truncated"] is False


async def test_two_versions_differ_by_their_file(
    api: ApiClient, graph: Graph, s3_services: Services, unique: Callable[[str], str]
) -> None:
    org = unique("vdiff")
    await own_org(api, org)
    store = s3_services.blobs
    first = await log_version(graph, org, "p", "data", data=b"one", blobs=store)
    second = await log_version(graph, org, "p", "data", data=b"three", blobs=store)
    diff = (
        await api.data(
            VERSION_DIFF,
            {
                "from": global_id("ArtifactVersion", first.version.id),
                "to": global_id("ArtifactVersion", second.version.id),
            },
        )
    )["artifactVersionDiff"]
    assert (diff["filesAdded"], diff["filesRemoved"], diff["filesChanged"]) == (0, 0, 1)
    assert diff["sizeDelta"] == 2 and diff["filesTruncated"] is False
    (change,) = [edge["node"] for edge in diff["files"]["edges"]]
    assert change["path"] == "data.bin" and change["change"] == "CHANGED"
    assert change["digestBefore"] != change["digestAfter"]
