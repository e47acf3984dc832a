from __future__ import annotations

from collections.abc import Callable
from typing import LiteralString

import pytest

from graph.artifacts import aliases, versions
from graph.artifacts.resolve import require_version, resolve_version
from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.refs import parse_version_path
from graph.core.tx import fetch_all
from tests.registry_fixtures import make_version

# Graphs written before `latest` was maintained on every commit have no such alias.
DROP_LATEST: LiteralString = """
MATCH (v:ArtifactVersion {id: $id})
MATCH (a:Alias {artifact_id: v.artifact_id, name: 'latest'})
DETACH DELETE a
"""


async def test_paths_resolve_by_index_alias_digest_and_latest_to_committed_versions(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    v0 = await make_version(graph, org, "m")
    v1 = await make_version(graph, org, "m")
    await make_version(graph, org, "m", state="PENDING")

    async def found(path: str) -> str | None:
        resolved = await resolve_version(graph, parse_version_path(path))
        return None if resolved is None else resolved.id

    assert await found(f"{org}/proj/m:v0") == v0.id
    assert await found(f"{org}/proj/m:{v0.digest}") == v0.id
    assert await found(f"{org}/proj/m:latest") == v1.id
    assert await found(f"{org}/proj/m") == v1.id
    await aliases.set_alias(
        graph, artifact_id=v0.artifact_id, version_id=v0.id, alias="best", actor="tests"
    )
    assert await found(f"{org}/proj/m:best") == v0.id
    # without a `latest` alias, `latest` (and no selector) is the newest committed version
    await graph.write(fetch_all, DROP_LATEST, id=v0.id)
    assert await found(f"{org}/proj/m:latest") == v1.id
    assert await found(f"{org}/proj/m") == v1.id
    for missing in (f"{org}/proj/m:v2", f"{org}/proj/m:nope", f"{org}/proj/x", f"{org}/p/m"):
        assert await found(missing) is None
    with pytest.raises(NotFound, match=f"{org}/proj/m:v7"):
        await require_version(graph, parse_version_path(f"{org}/proj/m:v7"), field="f")
    resolved = await require_version(graph, parse_version_path(f"{org}/proj/m:v1"))
    record = await versions.version_by_ref(graph, parse_version_path(f"{org}/proj/m:v1"))
    assert record is not None and (record.id, record.index) == (resolved.id, 1)
