"""Lineage answers authorise their starting node before walking (issue 11, item 2.2).

`lineage(seed:)` used to walk another team's graph (10,000 nodes took 1.5 s) and only then
answer FORBIDDEN. Structural check: the walk functions are wrapped to record each call and go
on to the real walk on the real Neo4j; a refused caller (another organisation, anonymous) must
get its refusal without any of them having been called, while the owner's call does walk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graph.lineage import clusters, impact, paths, traversal
from tests.api.access.conftest import Identity, MakeUser
from tests.api.access.world import World, build_world
from tests.conftest import ApiClient

WALKS = [
    (traversal, "traverse"),
    (paths, "shortest_paths"),
    (impact, "impact"),
    (clusters, "cluster_members"),
]


@pytest.fixture
async def world(api: ApiClient, make_user: MakeUser, unique: Callable[[str], str]) -> World:
    return await build_world(api, await make_user("victim"), unique("org"))


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch, world: World) -> list[str]:
    """Names of the walk functions called once the world is built (they still run)."""
    calls: list[str] = []
    for module, name in WALKS:
        real = getattr(module, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return calls


def _cases(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    version = world.ids["ArtifactVersion"]
    return [
        ("lineage", "query($s: ID!) { lineage(seed: $s) { nodeCount } }", {"s": version}),
        (
            "lineage",
            "query($s: ID!) { lineage(seed: $s) { nodeCount } }",
            {"s": world.ids["Run"]},
        ),
        (
            "lineagePaths",
            "query($a: ID!, $b: ID!) { lineagePaths(from: $a, to: $b) { hasMore } }",
            {"a": version, "b": world.ids["Run"]},
        ),
        (
            "lineageImpact",
            "query($n: ID!) { lineageImpact(node: $n) { runCount } }",
            {"n": version},
        ),
        (
            "lineageCluster",
            "query($w: String!, $c: ID!) { lineageCluster(walk: $w, id: $c) "
            "{ members { totalCount } } }",
            {"w": world.walk, "c": world.cluster_id},
        ),
    ]


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_another_team_is_refused_before_any_walk(
    api: ApiClient, world: World, make_user: MakeUser, walked: list[str]
) -> None:
    stranger: Identity = await make_user("stranger")
    for field, query, variables in _cases(world):
        body = await api.gql(query, variables, headers=stranger.headers)
        assert (body["data"], _codes(body)) == ({field: None}, ["FORBIDDEN"]), (field, body)
        assert walked == [], (field, variables)
    for field, query, variables in _cases(world):
        owner = await api.data(query, variables, headers=world.admin.headers)
        assert owner[field] is not None
    assert set(walked) == {name for _, name in WALKS}


async def test_anonymous_callers_are_refused_before_any_walk(
    anonymous: ApiClient, world: World, walked: list[str]
) -> None:
    for field, query, variables in _cases(world):
        body = await anonymous.gql(query, variables)
        assert (body["data"], _codes(body)) == ({field: None}, ["UNAUTHENTICATED"]), field
    assert walked == []
