"""What must hold after the faults, checked through the API (as a client sees it) and in Neo4j
(as the model stores it).

- No version lost: every version a writer saw committed is still there, same index and digest.
- None numbered twice: within each artifact the committed indexes are distinct and run 0..n-1;
  within each collection the link indexes are distinct.
- Every committed version's blobs download and hash to their digests (files and manifest).
- No alias (artifact or collection) points at a missing or uncommitted version; no link is to one.

`Checks` counts every item checked and keeps every violation found.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, LiteralString

import httpx
from neo4j import Driver

import lineage
from tests.faults.load import SeenVersion, Workspace


@dataclass
class Checks:
    counts: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.counts[name] += 1
        if not ok:
            self.violations.append(f"{name}: {detail}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


VERSIONS = """
query($path: String!, $after: String) {
  artifact(path: $path) {
    versionCount
    versions(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id index digest state path aliases } }
    }
  }
}
"""

ARTIFACTS = """
query($org: String!, $project: String!) {
  artifacts(organization: $org, project: $project, first: 100) { edges { node { name } } }
}
"""

FILES = """
query($ids: [ID!]!) {
  artifactFiles(versionIds: $ids, first: 100) {
    version { id manifest { digest url } }
    files { totalCount edges { node { path digest url } } }
  }
}
"""

COLLECTION = """
query($path: String!, $after: String) {
  registryCollection(path: $path) {
    versions(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { index aliases artifactVersion { id state } } }
    }
  }
}
"""


def _versions(client: lineage.Client, path: str) -> tuple[int, list[dict[str, Any]]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    count = 0
    while True:
        artifact = client.execute(VERSIONS, {"path": path, "after": after})["artifact"]
        count = artifact["versionCount"]
        page = artifact["versions"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return count, found
        after = page["pageInfo"]["endCursor"]


def _sha256_of(http: httpx.Client, url: str) -> str:
    hasher = hashlib.sha256()
    with http.stream("GET", url) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            hasher.update(chunk)
    return hasher.hexdigest()


def check_versions(
    client: lineage.Client, workspace: Workspace, seen: list[SeenVersion], checks: Checks
) -> list[dict[str, Any]]:
    """Numbering and presence through the API; returns every committed version listed."""
    names = [
        edge["node"]["name"]
        for edge in client.execute(ARTIFACTS, {"org": workspace.org, "project": workspace.project})[
            "artifacts"
        ]["edges"]
    ]
    listed: dict[str, dict[str, Any]] = {}
    for name in names:
        count, versions = _versions(client, f"{workspace.project_path}/{name}")
        indexes = sorted(v["index"] for v in versions)
        checks.check(
            "indexes distinct and contiguous",
            indexes == list(range(count)),
            f"{name}: {count} versions numbered {indexes}",
        )
        for version in versions:
            checks.check("listed versions committed", version["state"] == "COMMITTED", str(version))
            listed[version["id"]] = version
    for saw in seen:
        found = listed.get(saw.id)
        checks.check(
            "no version lost",
            found is not None and found["index"] == saw.index and found["digest"] == saw.digest,
            f"{saw.path} ({saw.id}) seen committed, now {found}",
        )
    return list(listed.values())


def check_blobs(client: lineage.Client, versions: list[dict[str, Any]], checks: Checks) -> None:
    """Every file and manifest of every committed version downloads with the right sha256."""
    targets: list[tuple[str, str, str]] = []
    for start in range(0, len(versions), 20):
        ids = [v["id"] for v in versions[start : start + 20]]
        for entry in client.execute(FILES, {"ids": ids})["artifactFiles"]:
            version_id = entry["version"]["id"]
            manifest = entry["version"]["manifest"]
            targets.append((f"{version_id} manifest", manifest["url"], manifest["digest"]))
            files = entry["files"]
            checks.check(
                "file lists complete",
                files["totalCount"] == len(files["edges"]),
                f"{version_id}: {files['totalCount']} files, {len(files['edges'])} listed",
            )
            for edge in files["edges"]:
                node = edge["node"]
                targets.append((f"{version_id} {node['path']}", node["url"], node["digest"]))

    with httpx.Client(timeout=30) as http, ThreadPoolExecutor(8) as pool:

        def fetch(target: tuple[str, str, str]) -> tuple[str, str, str | Exception]:
            name, url, digest = target
            try:
                return name, digest, _sha256_of(http, url)
            except Exception as error:
                return name, digest, error

        for name, digest, got in pool.map(fetch, targets):
            checks.check("blobs download with their sha256", got == digest, f"{name}: {got!r}")


def check_collections(client: lineage.Client, workspace: Workspace, checks: Checks) -> None:
    from tests.faults.load import COLLECTIONS

    for index in range(COLLECTIONS):
        path = workspace.collection_path(index)
        after: str | None = None
        links: list[dict[str, Any]] = []
        while True:
            collection = client.execute(COLLECTION, {"path": path, "after": after})[
                "registryCollection"
            ]
            if collection is None:
                break
            page = collection["versions"]
            links += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        numbers = [link["index"] for link in links]
        checks.check(
            "link indexes distinct", len(numbers) == len(set(numbers)), f"{path}: {numbers}"
        )
        for link in links:
            source = link["artifactVersion"]
            checks.check(
                "links reach committed versions",
                source is not None and source["state"] == "COMMITTED",
                f"{path}:v{link['index']} -> {source}",
            )


# Structural checks in the store itself, over the whole (dedicated) database.
STORE_CHECKS: dict[str, LiteralString] = {
    "no index numbered twice (store)": """
        MATCH (a:Artifact)-[:HAS_VERSION]->(v:ArtifactVersion {state: 'COMMITTED'})
        WITH a, v.index AS index, count(v) AS copies WHERE index IS NULL OR copies > 1
        RETURN a.name + ':' + coalesce(toString(index), 'null') AS problem
    """,
    "aliases point at committed versions (store)": """
        MATCH (alias:Alias)
        WHERE NOT (alias)-[:POINTS_TO]->(:ArtifactVersion {state: 'COMMITTED'})
        RETURN alias.name AS problem
    """,
    "collection aliases point at committed versions (store)": """
        MATCH (alias:CollectionAlias)
        WHERE NOT (alias)-[:POINTS_TO]->(:ArtifactVersion {state: 'COMMITTED'})
        RETURN alias.name AS problem
    """,
    "links are of committed versions (store)": """
        MATCH (v:ArtifactVersion)-[link:LINKED_TO]->(c:Collection)
        WHERE v.state <> 'COMMITTED'
        RETURN c.name + ':v' + toString(link.index) AS problem
    """,
    "link indexes distinct (store)": """
        MATCH (:ArtifactVersion)-[link:LINKED_TO]->(c:Collection)
        WITH c, link.index AS index, count(*) AS copies WHERE copies > 1
        RETURN c.name + ':v' + toString(index) AS problem
    """,
    "committed versions hold their blobs (store)": """
        MATCH (v:ArtifactVersion {state: 'COMMITTED'})
        WHERE NOT (v)-[:HAS_MANIFEST]->(:Blob)
        RETURN v.id AS problem
    """,
}

STORE_TOTALS: LiteralString = """
MATCH (v:ArtifactVersion)
RETURN v.state AS state, count(v) AS versions
"""


def check_store(driver: Driver, checks: Checks) -> dict[str, int]:
    """The structural checks; returns the versions in the store by state."""
    for name, query in STORE_CHECKS.items():
        records, _, _ = driver.execute_query(query, database_="neo4j")
        problems = [r["problem"] for r in records]
        checks.check(name, not problems, f"{problems[:10]}")
    records, _, _ = driver.execute_query(STORE_TOTALS, database_="neo4j")
    return {r["state"]: r["versions"] for r in records}
