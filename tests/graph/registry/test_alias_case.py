"""Issue 11, 2.8: a collection alias differing only in case from a protected one is protected
too, and `latest` cannot be set in any case."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graph.core.driver import Graph
from graph.core.errors import InvalidInput, ProtectedAlias
from graph.core.refs import Selector, parse_registry_path
from graph.registry import admin as registry_admin
from graph.registry import aliases as collection_aliases
from graph.registry import links
from graph.registry import versions as registry_versions
from tests.graph.registry.test_aliases import at, linked
from tests.registry_fixtures import make_version


async def test_a_case_variant_of_a_protected_alias_is_protected(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await make_version(graph, org, "m")
    await registry_admin.update_registry(
        graph, org, "model", protected_aliases=["prod"], actor="admin"
    )
    vs = await linked(graph, org, 2)
    for alias in ("PROD", "Prod", "pRoD"):
        with pytest.raises(ProtectedAlias):
            await collection_aliases.set_collection_alias(
                graph, at(org, "v0"), alias, actor="bob", may_change_protected=False
            )
    target = parse_registry_path(f"{org}/registry-model/c", selector=Selector.FORBIDDEN)
    v2 = await make_version(graph, org, "m")
    with pytest.raises(ProtectedAlias):
        await links.link_version(graph, v2.id, target, aliases=["Prod"], actor="bob")
    assert await registry_versions.membership_at_path(graph, at(org, "PROD")) is None

    # an admin may set it; then only an admin may move, remove or unlink it
    await collection_aliases.set_collection_alias(
        graph, at(org, "v1"), "PROD", actor="admin", may_change_protected=True
    )
    with pytest.raises(ProtectedAlias):
        await collection_aliases.set_collection_alias(
            graph, at(org, "v0"), "PROD", actor="bob", may_change_protected=False
        )
    with pytest.raises(ProtectedAlias):
        await collection_aliases.remove_collection_alias(
            graph, at(org), "PROD", actor="bob", may_change_protected=False
        )
    with pytest.raises(ProtectedAlias):
        await links.unlink_version(graph, at(org, "v1"), actor="bob")
    resolved = await registry_versions.membership_at_path(graph, at(org, "PROD"))
    assert resolved is not None and resolved.version.id == vs[1].id


async def test_latest_cannot_be_set_in_any_case(graph: Graph, unique: Callable[[str], str]) -> None:
    org = unique("org")
    await linked(graph, org, 1)
    for alias in ("LATEST", "Latest"):
        with pytest.raises(InvalidInput):
            await collection_aliases.set_collection_alias(
                graph, at(org, "v0"), alias, actor="a", may_change_protected=True
            )
        with pytest.raises(InvalidInput):
            await collection_aliases.remove_collection_alias(
                graph, at(org), alias, actor="a", may_change_protected=True
            )
