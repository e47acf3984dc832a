"""Lineage from a registry version: resolve the registry path, then walk from its source version
with the lineage feature's own traversal (the same answer as from the project version)."""

from __future__ import annotations

from collections.abc import Callable

from graph.core.driver import Graph
from tests.api.registry.test_registry_api import global_id, link, new_org
from tests.conftest import ApiClient
from tests.registry_fixtures import make_run, make_version

LINEAGE = """
query($seed: ID!) {
  lineage(seed: $seed, direction: UPSTREAM, depth: 4) {
    seed { id name }
    truncated
    levels { distance kind nodes { id name } }
  }
}
"""


async def test_lineage_walks_upstream_from_a_registry_version(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = await new_org(api, unique)
    raw = await make_version(graph, org, "raw-images", "dataset")
    model = await make_version(graph, org, "resnet", "model")
    run_id = await make_run(graph, model, name="train-7", inputs=(raw,))
    linked = await link(api, artifactPath=model.path, targetPath=f"{org}/registry-model/cls")
    assert linked["errors"] == []

    resolved = await api.data(
        """query($p: String!) { registryVersion(path: $p) {
             sourceVersionId producingRunId producingRun { id name }
             artifactVersion { id path } } }""",
        {"p": f"{org}/wandb-registry-model/cls:latest"},
    )
    version = resolved["registryVersion"]
    assert version["sourceVersionId"] == global_id("ArtifactVersion", model.id)
    assert version["producingRunId"] == global_id("Run", run_id)
    assert version["producingRun"] == {"id": global_id("Run", run_id), "name": "train-7"}
    assert version["artifactVersion"] == {
        "id": version["sourceVersionId"],
        "path": f"{org}/proj/resnet:v0",
    }

    from_registry = (await api.data(LINEAGE, {"seed": version["sourceVersionId"]}))["lineage"]
    assert from_registry["truncated"] is False
    levels = [
        (level["distance"], level["kind"], [n["name"] for n in level["nodes"]])
        for level in from_registry["levels"]
    ]
    assert levels == [(-2, "ARTIFACT_VERSION", ["raw-images:v0"]), (-1, "RUN", ["train-7"])]
    from_project = await api.data(LINEAGE, {"seed": global_id("ArtifactVersion", model.id)})
    assert from_project["lineage"] == from_registry
