from __future__ import annotations

from collections.abc import Callable

import pytest

from graph.core.driver import Graph
from graph.core.errors import InvalidInput, NotFound, ProtectedAlias
from graph.core.refs import RegistryPath, Selector, parse_registry_path
from graph.registry import admin as registry_admin
from graph.registry import aliases as collection_aliases
from graph.registry import links
from graph.registry import versions as registry_versions
from tests.registry_fixtures import Version, make_version


async def linked(graph: Graph, org: str, n: int, registry: str = "model") -> list[Version]:
    versions = [await make_version(graph, org, "m") for _ in range(n)]
    target = parse_registry_path(f"{org}/registry-{registry}/c", selector=Selector.FORBIDDEN)
    for v in versions:
        await links.link_version(graph, v.id, target, actor="alice")
    return versions


def at(org: str, selector: str | None = None, registry: str = "model") -> RegistryPath:
    base = f"{org}/registry-{registry}/c"
    return parse_registry_path(base if selector is None else f"{base}:{selector}")


async def test_alias_moves_are_kept_as_history(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    vs = await linked(graph, org, 3)
    await collection_aliases.set_collection_alias(
        graph, at(org, "v0"), "staging", actor="bob", may_change_protected=False
    )
    moved = await collection_aliases.set_collection_alias(
        graph, at(org, "v2"), "staging", actor="carol", may_change_protected=False
    )
    assert (moved.index, moved.version.id, moved.aliases) == (2, vs[2].id, ("latest", "staging"))
    # moving onto the version it already names records nothing
    await collection_aliases.set_collection_alias(
        graph, at(org, "latest"), "staging", actor="dave", may_change_protected=False
    )
    resolved = await registry_versions.membership_at_path(graph, at(org, "staging"))
    assert resolved is not None and resolved.aliases == ("latest", "staging")
    history, total = await collection_aliases.alias_history(
        graph, resolved.collection_id, "staging", 0, 10
    )
    assert total == 2
    assert [(h.by, h.from_index, h.to_index) for h in history] == [
        ("carol", 0, 2),
        ("bob", None, 0),
    ]
    assert history[0].from_version_id == vs[0].id and history[0].to_version_id == vs[2].id
    everything, total = await collection_aliases.alias_history(
        graph, resolved.collection_id, None, 0, 2
    )
    assert total == 5  # latest: v0, v1, v2; staging: set, moved
    assert [(h.alias, h.to_index) for h in everything] == [("staging", 2), ("staging", 0)]
    assert await collection_aliases.remove_collection_alias(
        graph, at(org), "staging", actor="erin", may_change_protected=False
    )
    assert not await collection_aliases.remove_collection_alias(
        graph, at(org), "staging", actor="erin", may_change_protected=False
    )
    history, _ = await collection_aliases.alias_history(
        graph, resolved.collection_id, "staging", 0, 1
    )
    assert (history[0].by, history[0].from_index, history[0].to_index) == ("erin", 2, None)
    assert await registry_versions.membership_at_path(graph, at(org, "staging")) is None


async def test_latest_and_index_names_cannot_be_set_by_hand(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await linked(graph, org, 1)
    for bad in ("latest", "v3"):
        with pytest.raises(InvalidInput):
            await collection_aliases.set_collection_alias(
                graph, at(org, "v0"), bad, actor="a", may_change_protected=True
            )
    with pytest.raises(NotFound, match="does not name a linked version"):
        await collection_aliases.set_collection_alias(
            graph, at(org, "v7"), "x", actor="a", may_change_protected=True
        )
    with pytest.raises(InvalidInput, match="latest"):
        await links.link_version(
            graph,
            (await make_version(graph, org, "m")).id,
            parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN),
            aliases=["latest"],
            actor="a",
        )


async def test_protected_aliases_need_registry_admin_rights(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await make_version(graph, org, "m")  # creates the organisation
    await registry_admin.update_registry(
        graph, org, "model", protected_aliases=["production"], actor="admin"
    )
    vs = await linked(graph, org, 2)
    with pytest.raises(ProtectedAlias, match="'production' is protected"):
        await collection_aliases.set_collection_alias(
            graph, at(org, "v0"), "production", actor="bob", may_change_protected=False
        )
    await collection_aliases.set_collection_alias(
        graph, at(org, "v0"), "production", actor="admin", may_change_protected=True
    )
    # a protected alias also blocks unlinking its version and linking with it
    with pytest.raises(ProtectedAlias):
        await links.unlink_version(graph, at(org, "v0"), actor="bob")
    v2 = await make_version(graph, org, "m")
    target = parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN)
    with pytest.raises(ProtectedAlias):
        await links.link_version(graph, v2.id, target, aliases=["production"], actor="bob")
    with pytest.raises(ProtectedAlias):
        await collection_aliases.remove_collection_alias(
            graph, at(org), "production", actor="bob", may_change_protected=False
        )
    resolved = await registry_versions.membership_at_path(graph, at(org, "production"))
    assert resolved is not None and resolved.version.id == vs[0].id
    # v2 was not linked by the refused call
    assert await registry_versions.membership_at_path(graph, at(org, "v2")) is None
    result = await links.link_version(
        graph,
        v2.id,
        target,
        aliases=["production", "candidate"],
        actor="admin",
        may_change_protected=True,
    )
    assert result.membership.aliases == ("latest", "candidate", "production")
    removed = await links.unlink_version(
        graph, at(org, "production"), actor="admin", may_change_protected=True
    )
    assert removed.removed_aliases == ("candidate", "latest", "production")
    latest = await registry_versions.membership_at_path(graph, at(org))
    assert latest is not None and latest.index == 1


async def test_collection_aliases_list_latest_first(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    vs = await linked(graph, org, 2)
    for alias, selector in (("zeta", "v0"), ("alpha", "v1")):
        await collection_aliases.set_collection_alias(
            graph, at(org, selector), alias, actor="a", may_change_protected=False
        )
    latest = await registry_versions.membership_at_path(graph, at(org))
    assert latest is not None
    page, total = await collection_aliases.collection_aliases(graph, latest.collection_id, 0, 10)
    assert total == 3
    assert [(a.name, a.index, a.version_id) for a in page] == [
        ("latest", 1, vs[1].id),
        ("alpha", 1, vs[1].id),
        ("zeta", 0, vs[0].id),
    ]
