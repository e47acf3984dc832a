from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graph.access import orgs
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, InvalidName, NotFound


async def test_concurrent_first_use_creates_one_organization_and_project(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org, project = unique("org"), unique("proj")
    results = await asyncio.gather(*[orgs.ensure_project(graph, org, project) for _ in range(8)])
    assert len({r.id for r in results}) == 1
    assert len({r.org_id for r in results}) == 1
    page, total = await orgs.projects_of_organization(graph, results[0].org_id, 0, 10)
    assert total == 1 and page[0].name == project


async def test_create_refuses_duplicates_and_unknown_organizations(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await orgs.create_organization(graph, org)
    with pytest.raises(AlreadyExists):
        await orgs.create_organization(graph, org)
    await orgs.create_project(graph, org, "p")
    with pytest.raises(AlreadyExists):
        await orgs.create_project(graph, org, "p")
    with pytest.raises(NotFound):
        await orgs.create_project(graph, unique("missing"), "p")


@pytest.mark.parametrize("bad", ["", "a/b", "..", "x" * 129, "a b", "a\x00b", "é"])
async def test_invalid_names_are_refused_before_any_write(graph: Graph, bad: str) -> None:
    with pytest.raises(InvalidName):
        await orgs.create_organization(graph, bad)


async def test_projects_page_in_name_order_with_total(
    graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    for name in ["c", "a", "d", "b", "e"]:
        await orgs.ensure_project(graph, org, name)
    record = await orgs.require_organization(graph, org)
    first, total = await orgs.projects_of_organization(graph, record.id, 0, 2)
    second, _ = await orgs.projects_of_organization(graph, record.id, 2, 2)
    assert total == 5
    assert [p.name for p in first + second] == ["a", "b", "c", "d"]
