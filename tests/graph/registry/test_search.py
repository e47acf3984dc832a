from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from graph.access.orgs import ensure_organization
from graph.core.driver import Graph
from graph.core.errors import InvalidInput
from graph.core.tx import fetch_single
from graph.registry import admin as registry_admin
from graph.registry import collections
from graph.registry import search as collection_search
from graph.registry.search_filters import (
    SORT_IN_MEMORY_UP_TO,
    CollectionFilter,
    CollectionSort,
    TextMatch,
    compile_collection_filter,
)

SPECS = [
    # name, type, description, tags, created (days ago)
    ("bert-base", "model", "Encoder for Text", ("nlp", "prod"), 30),
    ("bert-large", "model", "Bigger encoder", ("nlp",), 20),
    ("resnet", "model", "Vision CNN", ("vision", "prod"), 10),
    ("imagenet", "dataset", "Images for vision", ("vision",), 5),
    ("squad", "dataset", "Question answering text", ("nlp", "qa"), 1),
]


@pytest.fixture
async def registry_id(graph: Graph, unique: Callable[[str], str]) -> str:
    org = unique("org")
    await ensure_organization(graph, org)
    reg = await registry_admin.create_registry(graph, org, "lab", accepts_any_type=True, actor="a")
    base = datetime(2024, 6, 1, tzinfo=UTC)
    for name, type_, description, tags, days in SPECS:
        created = await collections.create_collection(
            graph, org, "lab", name, type=type_, description=description, tags=tags, actor="a"
        )
        await graph.write(
            fetch_single,
            "MATCH (c:Collection {id: $id}) SET c.created_at = $at RETURN c.id AS id",
            id=created.id,
            at=base - timedelta(days=days),
        )
    return reg.id


async def names(
    graph: Graph,
    registry_id: str,
    search: CollectionFilter,
    sort: CollectionSort = CollectionSort.NAME,
) -> list[str]:
    """The matching names; asserted equal whether the page is sorted from the collected matches
    or read in index order (the way taken beyond `SORT_IN_MEMORY_UP_TO` matches)."""
    answers = []
    for sort_in_memory_up_to in (SORT_IN_MEMORY_UP_TO, 0):
        records, total = await collection_search.search_collections(
            graph, registry_id, search, sort, 0, 50, sort_in_memory_up_to=sort_in_memory_up_to
        )
        assert total == len(records)
        answers.append([r.name for r in records])
    assert answers[0] == answers[1], search
    return answers[0]


async def test_every_filter(graph: Graph, registry_id: str) -> None:
    base = datetime(2024, 6, 1, tzinfo=UTC)
    cases: list[tuple[CollectionFilter, list[str]]] = [
        (CollectionFilter(), ["bert-base", "bert-large", "imagenet", "resnet", "squad"]),
        (CollectionFilter(name=TextMatch(eq="resnet")), ["resnet"]),
        (CollectionFilter(name=TextMatch(eq="RESNET")), []),
        (CollectionFilter(name=TextMatch(eq="RESNET", ignore_case=True)), ["resnet"]),
        (CollectionFilter(name=TextMatch(prefix="bert-")), ["bert-base", "bert-large"]),
        (
            CollectionFilter(name=TextMatch(prefix="BERT", ignore_case=True)),
            ["bert-base", "bert-large"],
        ),
        (
            CollectionFilter(name=TextMatch(contains="a")),
            ["bert-base", "bert-large", "imagenet", "squad"],
        ),
        (CollectionFilter(name=TextMatch(prefix="bert", contains="large")), ["bert-large"]),
        (CollectionFilter(description=TextMatch(contains="text")), ["squad"]),
        (
            CollectionFilter(description=TextMatch(contains="TEXT", ignore_case=True)),
            ["bert-base", "squad"],
        ),
        (CollectionFilter(description=TextMatch(prefix="Vision")), ["resnet"]),
        (CollectionFilter(description=TextMatch(eq="Bigger encoder")), ["bert-large"]),
        (CollectionFilter(types=("dataset",)), ["imagenet", "squad"]),
        (
            CollectionFilter(types=("dataset", "model")),
            ["bert-base", "bert-large", "imagenet", "resnet", "squad"],
        ),
        (CollectionFilter(tags_any=("qa", "prod")), ["bert-base", "resnet", "squad"]),
        (CollectionFilter(tags_all=("nlp", "prod")), ["bert-base"]),
        (CollectionFilter(tags_all=("nlp",), types=("dataset",)), ["squad"]),
        (
            CollectionFilter(created_after=base - timedelta(days=10)),
            ["imagenet", "resnet", "squad"],
        ),
        (CollectionFilter(created_before=base - timedelta(days=10)), ["bert-base", "bert-large"]),
        (
            CollectionFilter(
                created_after=base - timedelta(days=20), created_before=base - timedelta(days=5)
            ),
            ["bert-large", "resnet"],
        ),
        # a time without a zone is read as UTC
        (CollectionFilter(created_after=datetime(2024, 5, 31, 0, 0)), ["squad"]),
    ]
    for search, expected in cases:
        assert await names(graph, registry_id, search) == expected, search


async def test_newest_first_order(graph: Graph, registry_id: str) -> None:
    assert await names(graph, registry_id, CollectionFilter(), CollectionSort.NEWEST) == [
        "squad",
        "imagenet",
        "resnet",
        "bert-large",
        "bert-base",
    ]


async def test_pages_carry_the_total(graph: Graph, registry_id: str) -> None:
    search = CollectionFilter(tags_any=("nlp", "vision"))
    for sort, expected in (
        (CollectionSort.NAME, ["bert-base", "bert-large", "imagenet", "resnet", "squad"]),
        (CollectionSort.NEWEST, ["squad", "imagenet", "resnet", "bert-large", "bert-base"]),
    ):
        for sort_in_memory_up_to in (SORT_IN_MEMORY_UP_TO, 0):
            seen: list[str] = []
            for offset in (0, 2, 4):
                page, total = await collection_search.search_collections(
                    graph,
                    registry_id,
                    search,
                    sort,
                    offset,
                    2,
                    sort_in_memory_up_to=sort_in_memory_up_to,
                )
                assert total == 5
                seen += [c.name for c in page]
            assert seen == expected
            page, total = await collection_search.search_collections(
                graph, registry_id, search, sort, 10, 2, sort_in_memory_up_to=sort_in_memory_up_to
            )
            assert (page, total) == ([], 5)


def test_filters_compile_to_constant_fragments_with_values_as_parameters() -> None:
    compiled = compile_collection_filter(
        CollectionFilter(
            name=TextMatch(contains="x') OR true //", ignore_case=True), tags_all=("a",)
        )
    )
    assert compiled.where == (
        "toLower(c.name) CONTAINS $name_contains AND all(tag IN $tags_all WHERE tag IN c.tags)"
    )
    assert compiled.params == {"name_contains": "x') or true //", "tags_all": ["a"]}
    with pytest.raises(InvalidInput):
        compile_collection_filter(CollectionFilter(name=TextMatch(contains="x" * 300)))
    with pytest.raises(InvalidInput):
        compile_collection_filter(CollectionFilter(tags_any=tuple(str(i) for i in range(51))))
