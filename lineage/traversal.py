"""Lineage traversal from the SDK: plain dataclasses, no GraphQL in sight.

    graph = lineage.upstream("acme/vision/model:prod", depth=5)
    for level in graph.levels:
        print(level.distance, [n.name for n in level.nodes])
        print([(cluster.label, cluster.count) for cluster in level.clusters])

A node may be given as a global id, an `ArtifactVersion` or `Run` object, or an artifact path
`org/project/name[:alias|:vN]`. Wide levels come back as clusters; `cluster.members()` pages
through them (optionally filtered by name or alias).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lineage.client import Client, default_client
from lineage.errors import LineageError

NODE_FIELDS = "id kind name type projectPath createdAt ... on LineageVersion { deletedAt }"


def iso(moment: datetime | None) -> str | None:
    """A moment for `asOf`: it must carry its time zone (the server refuses naive ones)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("as_of needs a time zone, e.g. datetime.now(timezone.utc)")
    return moment.isoformat()


LINEAGE = f"""
query($seed: ID!, $direction: LineageDirection!, $depth: Int!, $filter: LineageFilter,
      $threshold: Int!, $levelLimit: Int!, $nodeLimit: Int!, $budget: Int!, $asOf: DateTime) {{
  lineage(seed: $seed, direction: $direction, depth: $depth, filter: $filter,
          clusterThreshold: $threshold, levelLimit: $levelLimit, nodeLimit: $nodeLimit,
          timeBudgetMs: $budget, asOf: $asOf) {{
    walk seed {{ {NODE_FIELDS} }}
    nodeCount truncated truncation
    levels {{
      direction distance kind nodeCount expanded truncated
      nodes {{ {NODE_FIELDS} }}
      clusters {{ id kind grouping key label type count preview {{ {NODE_FIELDS} }} }}
      edges {{ source target kind count }}
    }}
  }}
}}
"""

MEMBERS = f"""
query($walk: String!, $id: ID!, $search: String, $first: Int!, $after: String) {{
  lineageCluster(walk: $walk, id: $id) {{
    members(search: $search, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {NODE_FIELDS} }} }}
    }}
  }}
}}
"""

PATHS = f"""
query($a: ID!, $b: ID!, $limit: Int!, $asOf: DateTime) {{
  lineagePaths(from: $a, to: $b, limit: $limit, asOf: $asOf) {{
    direction hasMore paths {{ nodes {{ {NODE_FIELDS} }} }}
  }}
}}
"""

IMPACT = """
query($node: ID!, $depth: Int!, $asOf: DateTime) {
  lineageImpact(node: $node, depth: $depth, asOf: $asOf) {
    runCount versionCount depthReached truncated truncation
    runsByJobType { type count } versionsByArtifactType { type count }
  }
}
"""

VERSION_ID = "query($path: String!) { artifactVersion(path: $path) { id } }"


@dataclass(frozen=True)
class LineageNode:
    """A run (`kind == "RUN"`) or an artifact version (`kind == "ARTIFACT_VERSION"`)."""

    id: str
    kind: str
    name: str
    type: str
    project: str
    created_at: datetime | None
    deleted_at: datetime | None = None
    """Set for a version deleted since, in a walk `as_of` an earlier moment."""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> LineageNode:
        created, deleted = data.get("createdAt"), data.get("deletedAt")
        return cls(
            id=data["id"],
            kind=data["kind"],
            name=data["name"],
            type=data["type"],
            project=data["projectPath"],
            created_at=datetime.fromisoformat(created) if created else None,
            deleted_at=datetime.fromisoformat(deleted) if deleted else None,
        )


@dataclass(frozen=True)
class LineageEdge:
    """`count` CONSUMED/PRODUCED relationships from `source` (upstream) to `target`."""

    source: str
    target: str
    kind: str
    count: int


@dataclass(frozen=True)
class LineageCluster:
    """Nodes of one level sharing a job type or an artifact, shown as one item."""

    id: str
    kind: str
    grouping: str
    key: str
    label: str
    type: str | None
    count: int
    preview: list[LineageNode]
    walk: str = field(repr=False)
    client: Client = field(repr=False, compare=False)

    def members(self, search: str | None = None, page_size: int = 100) -> Iterator[LineageNode]:
        """Every member (newest first), or those whose name or alias contains `search`."""
        after: str | None = None
        while True:
            data = self.client.execute(
                MEMBERS,
                {
                    "walk": self.walk,
                    "id": self.id,
                    "search": search,
                    "first": page_size,
                    "after": after,
                },
            )["lineageCluster"]
            if data is None:
                raise LineageError("NOT_FOUND", "the cluster's seed no longer exists")
            page = data["members"]
            for edge in page["edges"]:
                yield LineageNode.from_data(edge["node"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]


@dataclass(frozen=True)
class LineageLevel:
    direction: str
    distance: int
    kind: str
    node_count: int
    expanded: int
    truncated: bool
    nodes: list[LineageNode]
    clusters: list[LineageCluster]
    edges: list[LineageEdge]


@dataclass(frozen=True)
class LineageGraph:
    """Levels by distance from the seed (upstream negative); `truncated` when bounds cut it."""

    seed: LineageNode
    levels: list[LineageLevel]
    node_count: int
    truncated: bool
    truncation: list[str]


@dataclass(frozen=True)
class LineageImpact:
    run_count: int
    version_count: int
    runs_by_job_type: dict[str, int]
    versions_by_artifact_type: dict[str, int]
    depth_reached: int
    truncated: bool


def node_id(node: object, client: Client) -> str:
    """The id lineage queries take, from whatever the caller holds."""
    found = getattr(node, "id", None)
    if isinstance(found, str):
        return found
    if not isinstance(node, str):
        raise LineageError("INVALID_INPUT", f"not a lineage node: {node!r}")
    if node.count("/") == 2:
        data = client.execute(VERSION_ID, {"path": node})["artifactVersion"]
        if data is None:
            raise LineageError("NOT_FOUND", f"no artifact version at {node}")
        return str(data["id"])
    return node


def lineage(
    node: object,
    direction: str = "BOTH",
    depth: int = 3,
    *,
    artifact_types: list[str] | None = None,
    job_types: list[str] | None = None,
    kinds: list[str] | None = None,
    hide: list[object] | None = None,
    cluster_threshold: int = 5,
    level_limit: int = 500,
    node_limit: int = 100_000,
    time_budget_ms: int = 5_000,
    as_of: datetime | None = None,
    client: Client | None = None,
) -> LineageGraph:
    """Levels around `node`; `LineageError` NOT_FOUND when it does not exist. With `as_of` (an
    aware datetime), the graph as it was then: later runs, versions and edges absent, versions
    deleted since present (their `deleted_at` set)."""
    client = client or default_client()
    variables = {
        "seed": node_id(node, client),
        "direction": direction,
        "depth": depth,
        "filter": {
            "artifactTypes": artifact_types,
            "jobTypes": job_types,
            "kinds": kinds,
            "hide": [node_id(h, client) for h in hide or ()],
        },
        "threshold": cluster_threshold,
        "levelLimit": level_limit,
        "nodeLimit": node_limit,
        "budget": time_budget_ms,
        "asOf": iso(as_of),
    }
    data = client.execute(LINEAGE, variables)["lineage"]
    if data is None:
        raise LineageError("NOT_FOUND", f"no run or committed version {variables['seed']}")
    return LineageGraph(
        seed=LineageNode.from_data(data["seed"]),
        levels=[_level(level, data["walk"], client) for level in data["levels"]],
        node_count=data["nodeCount"],
        truncated=data["truncated"],
        truncation=list(data["truncation"]),
    )


def upstream(node: object, depth: int = 3, **options: Any) -> LineageGraph:
    """What `node` was made from (see `lineage` for the options)."""
    return lineage(node, "UPSTREAM", depth, **options)


def downstream(node: object, depth: int = 3, **options: Any) -> LineageGraph:
    """What was made from `node` (see `lineage` for the options)."""
    return lineage(node, "DOWNSTREAM", depth, **options)


def paths(
    source: object,
    target: object,
    limit: int = 5,
    *,
    as_of: datetime | None = None,
    client: Client | None = None,
) -> list[list[LineageNode]]:
    """Shortest paths between two nodes, upstream end first ([] when unrelated); `as_of`: as
    the graph was then."""
    client = client or default_client()
    variables = {
        "a": node_id(source, client),
        "b": node_id(target, client),
        "limit": limit,
        "asOf": iso(as_of),
    }
    data = client.execute(PATHS, variables)["lineagePaths"]
    if data is None:
        raise LineageError("NOT_FOUND", "one of the nodes does not exist")
    return [[LineageNode.from_data(n) for n in p["nodes"]] for p in data["paths"]]


def impact(
    node: object,
    depth: int = 50,
    *,
    as_of: datetime | None = None,
    client: Client | None = None,
) -> LineageImpact:
    """How many runs and versions are downstream of `node`, by type (`as_of`: back then)."""
    client = client or default_client()
    variables = {"node": node_id(node, client), "depth": depth, "asOf": iso(as_of)}
    data = client.execute(IMPACT, variables)["lineageImpact"]
    if data is None:
        raise LineageError("NOT_FOUND", "no such run or committed version")
    return LineageImpact(
        run_count=data["runCount"],
        version_count=data["versionCount"],
        runs_by_job_type={r["type"]: r["count"] for r in data["runsByJobType"]},
        versions_by_artifact_type={v["type"]: v["count"] for v in data["versionsByArtifactType"]},
        depth_reached=data["depthReached"],
        truncated=data["truncated"],
    )


def _level(data: dict[str, Any], walk: str, client: Client) -> LineageLevel:
    return LineageLevel(
        direction=data["direction"],
        distance=data["distance"],
        kind=data["kind"],
        node_count=data["nodeCount"],
        expanded=data["expanded"],
        truncated=data["truncated"],
        nodes=[LineageNode.from_data(n) for n in data["nodes"]],
        clusters=[
            LineageCluster(
                id=c["id"],
                kind=c["kind"],
                grouping=c["grouping"],
                key=c["key"],
                label=c["label"],
                type=c["type"],
                count=c["count"],
                preview=[LineageNode.from_data(n) for n in c["preview"]],
                walk=walk,
                client=client,
            )
            for c in data["clusters"]
        ],
        edges=[LineageEdge(e["source"], e["target"], e["kind"], e["count"]) for e in data["edges"]],
    )
