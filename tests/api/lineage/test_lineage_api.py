"""Lineage through GraphQL: runs, edges, traversal with clusters, members, paths, impact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.relay import GlobalID

from graph.core.driver import Graph
from tests.conftest import ApiClient
from tests.lineage_fixtures import World, make_world

CREATE_PROJECT = """
mutation($org: String!) { createProject(input: {organization: $org, name: "lineage"}) {
  errors { code } } }
"""

CREATE_RUN = """
mutation($org: String!, $job: String!, $name: String, $config: JSON) {
  createRun(input: {organization: $org, project: "lineage", jobType: $job, name: $name,
                    config: $config}) {
    run { id name jobType state author config kind type projectPath duration }
    errors { code message field }
  }
}
"""

USE = """
mutation($run: ID!, $artifact: String, $version: ID) {
  useArtifact(input: {run: $run, artifact: $artifact, version: $version}) {
    run { id } version { id name aliases producer { id } } created at
    errors { code message field }
  }
}
"""

PRODUCED = """
mutation($run: ID!, $version: ID!) {
  recordProduced(input: {run: $run, version: $version}) {
    version { name producer { id name } } created errors { code message }
  }
}
"""

FINISH = """
mutation($id: ID!, $state: RunState!) {
  finishRun(input: {id: $id, state: $state, summary: {acc: 0.9}}) {
    run { state summary duration } errors { code }
  }
}
"""

LINEAGE = """
query($seed: ID!, $direction: LineageDirection!, $depth: Int!, $filter: LineageFilter,
      $threshold: Int! = 5, $levelLimit: Int! = 1000) {
  lineage(seed: $seed, direction: $direction, depth: $depth, filter: $filter,
          clusterThreshold: $threshold, levelLimit: $levelLimit) {
    walk seed { id name kind }
    truncated truncation nodeCount
    levels {
      distance kind nodeCount expanded truncated
      nodes { id name type ... on LineageVersion { aliases producer { id } } }
      clusters { id grouping key label type count preview { id name } }
      edges { source target kind count }
    }
  }
}
"""

MEMBERS = """
query($walk: String!, $id: ID!, $search: String, $after: String) {
  lineageCluster(walk: $walk, id: $id) {
    label count
    members(search: $search, first: 3, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name } }
    }
  }
}
"""


def rid(kind: str, raw: str) -> str:
    return str(GlobalID(kind, raw))


async def setup(api: ApiClient, graph: Graph, org: str) -> World:
    assert (await api.data(CREATE_PROJECT, {"org": org}))["createProject"]["errors"] == []
    return await make_world(graph, org)


async def test_runs_and_edges_through_graphql(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    data_v0 = await world.version("data")
    model = await world.version("model", type="model")

    created = (
        await api.data(
            CREATE_RUN, {"org": org, "job": "train", "name": "r1", "config": {"lr": 0.1}}
        )
    )["createRun"]
    assert created["errors"] == []
    run = created["run"]
    assert {k: run[k] for k in ("name", "jobType", "state", "config", "kind", "type")} == {
        "name": "r1",
        "jobType": "train",
        "state": "RUNNING",
        "config": {"lr": 0.1},
        "kind": "RUN",
        "type": "train",
    }
    assert run["author"].startswith("test-user-") and run["duration"] is None

    used = (await api.data(USE, {"run": run["id"], "artifact": "data"}))["useArtifact"]
    assert used["errors"] == [] and used["created"]
    assert used["version"]["name"] == "data:v0" and used["version"]["aliases"] == ["latest"]
    again = await api.data(USE, {"run": run["id"], "version": rid("ArtifactVersion", data_v0)})
    assert again["useArtifact"]["created"] is False
    assert again["useArtifact"]["at"] == used["at"]

    made = (await api.data(PRODUCED, {"run": run["id"], "version": model}))["recordProduced"]
    assert made["errors"] == [] and made["version"]["producer"]["name"] == "r1"
    cycle = (await api.data(USE, {"run": run["id"], "version": model}))["useArtifact"]
    assert cycle["errors"][0]["code"] == "CYCLE" and cycle["version"] is None
    other = (await api.data(CREATE_RUN, {"org": org, "job": "train"}))["createRun"]["run"]
    twice = (await api.data(PRODUCED, {"run": other["id"], "version": model}))["recordProduced"]
    assert twice["errors"][0]["code"] == "CONFLICT"
    missing = (await api.data(USE, {"run": run["id"], "artifact": "nope:v3"}))["useArtifact"]
    assert missing["errors"][0]["code"] == "NOT_FOUND"
    bad = (await api.data(USE, {"run": run["id"], "artifact": "a b"}))["useArtifact"]
    assert bad["errors"][0]["code"] == "INVALID_PATH"

    ended = (await api.data(FINISH, {"id": run["id"], "state": "FAILED"}))["finishRun"]
    assert ended["run"]["state"] == "FAILED" and ended["run"]["summary"] == {"acc": 0.9}
    assert ended["run"]["duration"] >= 0
    conflict = (await api.data(FINISH, {"id": run["id"], "state": "FINISHED"}))["finishRun"]
    assert conflict["errors"][0]["code"] == "CONFLICT"

    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Run { name inputs { totalCount edges { node {"
        " name } } } outputs { edges { node { name } } } } } }",
        {"id": run["id"]},
    )
    assert node["node"] == {
        "name": "r1",
        "inputs": {"totalCount": 1, "edges": [{"node": {"name": "data:v0"}}]},
        "outputs": {"edges": [{"node": {"name": "model:v0"}}]},
    }
    listed = await api.data(
        'query($o: String!) { runs(organization: $o, project: "lineage", state: FAILED) {'
        " totalCount edges { node { name } } } }",
        {"o": org},
    )
    assert listed["runs"] == {"totalCount": 1, "edges": [{"node": {"name": "r1"}}]}


async def test_lineage_levels_clusters_members_and_extraction(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    raw = await world.version("raw")
    shards = await world.versions_of("shards", 12)
    await world.alias(shards[7], "best")
    singles = [await world.version(f"single{i}", type="model") for i in range(2)]
    (split,) = await world.steps(("split", [raw], shards + singles))
    evals = await world.steps(*[("eval", [s], []) for s in shards[:3]])

    answer = (await api.data(LINEAGE, {"seed": raw, "direction": "DOWNSTREAM", "depth": 3}))[
        "lineage"
    ]
    assert answer["seed"] == {
        "id": rid("LineageVersion", raw),
        "name": "raw:v0",
        "kind": "ARTIFACT_VERSION",
    }
    assert (answer["truncated"], answer["nodeCount"]) == (False, 1 + 14 + 3)
    runs_level, versions_level, evals_level = answer["levels"]
    assert runs_level["nodes"] == [{"id": rid("Run", split), "name": "split-0", "type": "split"}]
    assert runs_level["edges"] == [
        {
            "source": rid("LineageVersion", raw),
            "target": rid("Run", split),
            "kind": "CONSUMED",
            "count": 1,
        }
    ]
    (cluster,) = versions_level["clusters"]
    assert {k: cluster[k] for k in ("grouping", "label", "type", "count")} == {
        "grouping": "ARTIFACT",
        "label": "shards",
        "type": "dataset",
        "count": 12,
    }
    assert len(cluster["preview"]) == 3
    assert sorted(n["name"] for n in versions_level["nodes"]) == ["single0:v0", "single1:v0"]
    assert all(n["producer"] == {"id": rid("Run", split)} for n in versions_level["nodes"])
    assert sorted(
        (e["source"], e["target"], e["count"]) for e in versions_level["edges"]
    ) == sorted(
        [(rid("Run", split), cluster["id"], 12)]
        + [(rid("Run", split), rid("LineageVersion", s), 1) for s in singles]
    )
    (eval_cluster,) = evals_level["clusters"] if evals_level["clusters"] else [None]
    assert eval_cluster is None and len(evals_level["nodes"]) == 3
    assert {e["source"] for e in evals_level["edges"]} == {cluster["id"]}

    walk = answer["walk"]
    page1 = (await api.data(MEMBERS, {"walk": walk, "id": cluster["id"]}))["lineageCluster"]
    assert (page1["label"], page1["count"]) == ("shards", 12)
    members = page1["members"]
    assert members["totalCount"] == 12 and members["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in members["edges"]] == [
        "shards:v11",
        "shards:v10",
        "shards:v9",
    ]
    page2 = await api.data(
        MEMBERS, {"walk": walk, "id": cluster["id"], "after": members["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["name"] for e in page2["lineageCluster"]["members"]["edges"]] == [
        "shards:v8",
        "shards:v7",
        "shards:v6",
    ]
    found = (await api.data(MEMBERS, {"walk": walk, "id": cluster["id"], "search": "V1"}))[
        "lineageCluster"
    ]
    assert [e["node"]["name"] for e in found["members"]["edges"]] == [
        "shards:v11",
        "shards:v10",
        "shards:v1",
    ]
    assert found["members"]["totalCount"] == 3
    by_alias = await api.data(MEMBERS, {"walk": walk, "id": cluster["id"], "search": "best"})
    assert [e["node"]["name"] for e in by_alias["lineageCluster"]["members"]["edges"]] == [
        "shards:v7"
    ]

    member = members["edges"][0]["node"]["id"]
    extracted = await api.data(LINEAGE, {"seed": member, "direction": "UPSTREAM", "depth": 2})
    assert [
        (lvl["distance"], [n["name"] for n in lvl["nodes"]])
        for lvl in extracted["lineage"]["levels"]
    ] == [(-2, ["raw:v0"]), (-1, ["split-0"])]

    hidden = await api.data(
        LINEAGE,
        {
            "seed": raw,
            "direction": "DOWNSTREAM",
            "depth": 3,
            "filter": {"hide": [rid("Run", split)]},
        },
    )
    assert hidden["lineage"]["levels"] == []
    sampled = (
        await api.data(
            LINEAGE, {"seed": raw, "direction": "DOWNSTREAM", "depth": 3, "levelLimit": 2}
        )
    )["lineage"]
    assert sampled["truncated"] and sampled["truncation"] == ["LEVEL_LIMIT"]
    assert [lvl["truncated"] for lvl in sampled["levels"][:2]] == [False, False]
    assert all(lvl["truncated"] for lvl in sampled["levels"][2:])
    assert evals and sampled["levels"][1]["expanded"] == 2


async def test_paths_impact_and_lookups_of_unknown_nodes(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    raw, clean = await world.version("raw"), await world.version("clean")
    models = await world.versions_of("model", 2, type="model")
    prep, train_a, train_b = await world.steps(
        ("prep", [raw], [clean]), ("train", [clean], [models[0]]), ("train", [clean], [models[1]])
    )
    paths = await api.data(
        "query($a: ID!, $b: ID!) { lineagePaths(from: $a, to: $b, limit: 1) { direction hasMore"
        " paths { length nodes { name } } } }",
        {"a": rid("LineageVersion", models[1]), "b": raw},
    )
    assert paths["lineagePaths"] == {
        "direction": "UPSTREAM",
        "hasMore": False,
        "paths": [
            {
                "length": 4,
                "nodes": [
                    {"name": n} for n in ("raw:v0", "prep-0", "clean:v0", "train-2", "model:v1")
                ],
            }
        ],
    }
    impact = await api.data(
        "query($n: ID!) { lineageImpact(node: $n) { runCount versionCount truncated depthReached"
        " runsByJobType { type count } versionsByArtifactType { type count } } }",
        {"n": raw},
    )
    assert impact["lineageImpact"] == {
        "runCount": 3,
        "versionCount": 3,
        "truncated": False,
        "depthReached": 4,
        "runsByJobType": [{"type": "train", "count": 2}, {"type": "prep", "count": 1}],
        "versionsByArtifactType": [{"type": "model", "count": 2}, {"type": "dataset", "count": 1}],
    }
    nothing = await api.data(
        '{ lineage(seed: "0123456789abcdef0123456789abcdef") { nodeCount }'
        ' lineageImpact(node: "0123456789abcdef0123456789abcdef") { runCount } }'
    )
    assert nothing == {"lineage": None, "lineageImpact": None}
    body = await api.gql('{ lineage(seed: "not an id!") { nodeCount } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await api.gql(
        "query($s: ID!) { lineage(seed: $s, depth: 51) { nodeCount } }", {"s": raw}
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert prep and train_a and train_b


async def test_lineage_of_another_organisation_is_forbidden(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    stranger = await make_world(graph, unique("org"))
    theirs = await stranger.version("secret")
    body = await api.gql(LINEAGE, {"seed": theirs, "direction": "BOTH", "depth": 1})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api.gql("query($n: ID!) { lineageImpact(node: $n) { runCount } }", {"n": theirs})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _names(level: dict[str, Any]) -> list[str]:
    return sorted(n["name"] for n in level["nodes"])


INGEST = """
mutation($input: IngestLineageInput!) {
  ingestLineage(input: $input) {
    runsCreated runsExisting edgesCreated edgesExisting errors { code message field }
  }
}
"""


async def test_ingest_typed_and_compact_batches_are_safe_to_retry(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    data, model = await world.version("data"), await world.version("model", type="model")
    typed_run, compact_run = unique("run"), unique("run")
    batch = {
        "organization": org,
        "project": "lineage",
        "runs": [
            {
                "id": typed_run,
                "jobType": "train",
                "startedAt": "2025-01-01T00:00:00Z",
                "finishedAt": "2025-01-01T01:00:00Z",
                "config": {"lr": 0.1},
            }
        ],
        "edges": [{"run": typed_run, "version": "data:v0", "kind": "CONSUMED"}],
        "compactRuns": [
            {"id": compact_run, "jobType": "eval", "state": "RUNNING", "startedAt": 1735689600000}
        ],
        "compactEdges": [
            [typed_run, model, "PRODUCED", "2025-01-01T01:00:00+00:00"],
            [compact_run, model, "CONSUMED", None],
        ],
    }
    first = (await api.data(INGEST, {"input": batch}))["ingestLineage"]
    assert first == {
        "runsCreated": 2,
        "runsExisting": 0,
        "edgesCreated": 3,
        "edgesExisting": 0,
        "errors": [],
    }
    again = (await api.data(INGEST, {"input": batch}))["ingestLineage"]
    assert again == {
        "runsCreated": 0,
        "runsExisting": 2,
        "edgesCreated": 0,
        "edgesExisting": 3,
        "errors": [],
    }
    down = await api.data(LINEAGE, {"seed": data, "direction": "DOWNSTREAM", "depth": 3})
    assert [[n["name"] for n in lvl["nodes"]] for lvl in down["lineage"]["levels"]] == [
        [f"train-{typed_run[:8]}"],
        ["model:v0"],
        [f"eval-{compact_run[:8]}"],
    ]
    bad_rows = {
        "organization": org,
        "project": "lineage",
        "compactEdges": [[typed_run, model, "EATEN"]],
    }
    refused = (await api.data(INGEST, {"input": bad_rows}))["ingestLineage"]
    assert refused["errors"][0]["code"] == "INVALID_INPUT"
    assert refused["errors"][0]["field"] == "compactEdges"
    cycle = {
        "organization": org,
        "project": "lineage",
        "edges": [{"run": typed_run, "version": model, "kind": "CONSUMED"}],
    }
    assert (await api.data(INGEST, {"input": cycle}))["ingestLineage"]["errors"][0][
        "code"
    ] == "CYCLE"
    assert data


async def test_cluster_lookups_refuse_foreign_or_malformed_ids(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    seed = await world.version("raw")
    await world.steps(("split", [seed], await world.versions_of("shards", 6)))
    answer = await api.data(LINEAGE, {"seed": seed, "direction": "DOWNSTREAM", "depth": 2})
    walk = answer["lineage"]["walk"]
    (cluster,) = answer["lineage"]["levels"][1]["clusters"]
    for bad_walk, bad_id in (
        ("nope", cluster["id"]),
        (walk, "c:u2:" + cluster["key"]),
        (walk, "c:d9:" + cluster["key"]),
        (walk, "garbage"),
    ):
        body = await api.gql(MEMBERS, {"walk": bad_walk, "id": bad_id})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", (bad_walk, bad_id)
    gone = await api.data(MEMBERS, {"walk": walk, "id": "c:d2:" + "0" * 32})
    assert gone["lineageCluster"]["count"] == 0


NODE_FIELDS = """
fragment Node on LineageNode {
  id name type kind projectPath createdAt
  ... on Run { jobType state author config tags duration }
  ... on LineageVersion { artifactName index aliases size producer { id name jobType state } }
}
"""

PAGE_BY_FRAGMENTS = (
    """
query($seed: ID!) {
  lineage(seed: $seed, direction: BOTH, depth: 2, clusterThreshold: 3) {
    ... on LineageGraph { seed { ...Node } nodeCount }
    levels { ...Level }
  }
}
fragment Level on LineageLevel {
  distance nodes { ...Node } clusters { id count preview { ...Node } }
}
"""
    + NODE_FIELDS
)

NODE = "query($id: ID!) { node(id: $id) { ...Node } }" + NODE_FIELDS


async def test_page_nodes_are_the_nodes_their_ids_look_up(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    """The nodes a page loads up front (through fragments too) are exactly what `node(id:)`
    answers for them, producers included."""
    org = unique("org")
    world = await setup(api, graph, org)
    raw = await world.version("raw")
    await world.alias(raw, "golden")
    shards = await world.versions_of("shards", 4)
    (split,) = await world.steps(("split", [raw], [*shards, await world.version("stats")]))
    await world.steps(
        *[("eval", [s], [await world.version(f"score{i}")]) for i, s in enumerate(shards)]
    )

    page = (await api.data(PAGE_BY_FRAGMENTS, {"seed": rid("Run", split)}))["lineage"]
    assert page["nodeCount"] == 1 + 5 + 4
    levels = page["levels"]
    assert [lvl["distance"] for lvl in levels] == [-1, 1, 2]
    shown = [page["seed"]]
    shown += [node for lvl in levels for node in lvl["nodes"]]
    shown += [node for lvl in levels for c in lvl["clusters"] for node in c["preview"]]
    assert page["seed"]["name"] == "split-0"
    assert [[n["name"] for n in lvl["nodes"]] for lvl in levels] == [["raw:v0"], ["stats:v0"], []]
    # A preview holds the first three members the walk met (relationship order).
    previews = [[{n["name"] for n in c["preview"]} for c in lvl["clusters"]] for lvl in levels]
    assert [[len(p) for p in lvl] for lvl in previews] == [[], [3], [3]]
    assert previews[1][0] <= {f"shards:v{i}" for i in range(4)}
    assert previews[2][0] <= {f"eval-{i}" for i in range(4)}
    for node in shown:
        assert (await api.data(NODE, {"id": node["id"]}))["node"] == node
    versions = [node for node in shown if node["kind"] == "ARTIFACT_VERSION"]
    assert sorted({v["name"]: v["aliases"] for v in versions}["raw:v0"]) == ["golden", "latest"]
    assert all(v["producer"]["id"] == rid("Run", split) for v in versions if v["name"] != "raw:v0")


WIDE_PAGE = (
    """
query($seed: ID!) {
  lineage(seed: $seed, direction: DOWNSTREAM, depth: 3, clusterThreshold: 100,
          maxItemsPerLevel: 100) {
    levels { distance nodeCount nodes { ...Node } }
  }
}
"""
    + NODE_FIELDS
)


async def test_wide_pages_load_their_nodes_while_walking(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    """A page showing more nodes than one prefetch batch (levels of 45 single nodes) shows
    every node exactly as `node(id:)` answers it."""
    org = unique("org")
    world = await setup(api, graph, org)
    raw = await world.version("raw")
    parts = await world.versions_of("part", 45)
    await world.steps(("split", [raw], parts))
    await world.steps(*[("eval", [p], []) for p in parts])

    levels = (await api.data(WIDE_PAGE, {"seed": raw}))["lineage"]["levels"]
    assert [(lvl["distance"], lvl["nodeCount"], len(lvl["nodes"])) for lvl in levels] == [
        (1, 1, 1),
        (2, 45, 45),
        (3, 45, 45),
    ]
    assert sorted(n["name"] for n in levels[1]["nodes"]) == sorted(f"part:v{i}" for i in range(45))
    for node in [n for lvl in levels for n in lvl["nodes"]]:
        assert (await api.data(NODE, {"id": node["id"]}))["node"] == node


SEED = """
query($seed: ID!) {
  lineage(seed: $seed, direction: UPSTREAM, depth: 2) { seed { id } nodeCount }
}
"""

LINK = """
mutation($version: ID!, $target: String!) {
  linkArtifact(input: {artifactVersionId: $version, targetPath: $target}) {
    registryVersion { path } errors { code message }
  }
}
"""


async def test_lineage_seeds_may_be_version_or_registry_paths(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    world = await setup(api, graph, org)
    v0, v1 = await world.versions_of("weights", 2, type="model")
    await world.alias(v0, "best")
    await world.step("train", [v0], [v1])
    linked = await api.data(
        LINK, {"version": rid("ArtifactVersion", v0), "target": f"{org}/registry-model/clf"}
    )
    assert linked["linkArtifact"]["errors"] == []

    async def seed_of(seed: str) -> str | None:
        walked = (await api.data(SEED, {"seed": seed}))["lineage"]
        return None if walked is None else str(walked["seed"]["id"])

    for path, version in [
        (f"{org}/lineage/weights:v0", v0),
        (f"{org}/lineage/weights:best", v0),
        (f"{org}/lineage/weights:v1", v1),
        (f"{org}/lineage/weights", v1),  # no `latest` alias: the newest committed version
        (f"{org}/registry-model/clf:v0", v0),
        (f"{org}/wandb-registry-model/clf:latest", v0),
        (f"{org}/registry-model/clf", v0),
    ]:
        assert await seed_of(path) == rid("LineageVersion", version), path
    walked = (await api.data(SEED, {"seed": f"{org}/lineage/weights:v1"}))["lineage"]
    assert walked["nodeCount"] == 2  # upstream of v1: the run and v0
    for missing in (f"{org}/lineage/weights:v7", f"{org}/registry-model/clf:v3"):
        assert await seed_of(missing) is None, missing
    for malformed in (f"{org}/lineage/weights:v01", f"{org}/registry-/clf", f"{org}//weights"):
        body = await api.gql(SEED, {"seed": malformed})
        assert body["errors"][0]["extensions"]["code"] == "INVALID_PATH", malformed
    # a path is authorised where it points before it is looked up, existing or not
    stranger = await make_world(graph, unique("org"))
    await stranger.version("secret")
    for foreign in (
        f"{stranger.org}/lineage/secret:v0",
        f"{stranger.org}/lineage/nothing:v0",
        f"{stranger.org}/registry-model/clf:v0",
    ):
        body = await api.gql(SEED, {"seed": foreign})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", foreign
