"""Searching a registry's collections: one page and the number of matches, in one snapshot.

The Cypher comes from `graph.registry.search_filters` (constant fragments, values as parameters).
Pages are read in `(registry_id, name)` index order; the total counts every match, in the same
query.
"""

from __future__ import annotations

from graph.core.driver import Graph
from graph.registry.records import CollectionRecord, collection_record
from graph.registry.search_filters import (
    SORT_IN_MEMORY_UP_TO,
    CollectionFilter,
    CollectionSort,
    collection_search_query,
)


async def search_collections(
    graph: Graph,
    registry_id: str,
    search: CollectionFilter,
    sort: CollectionSort,
    offset: int,
    limit: int,
    *,
    sort_in_memory_up_to: int = SORT_IN_MEMORY_UP_TO,
) -> tuple[list[CollectionRecord], int]:
    """One page of the registry's collections matching `search`, and how many match in all.

    Ordered by name (or newest first, ties by name), paged in the database. Up to
    `sort_in_memory_up_to` matches the page is sorted from the collected matches, beyond it is
    read in index order (tests lower it to check both ways answer the same).
    """
    query = collection_search_query(search, sort)
    record = await graph.read_record(
        query.cypher,
        registry_id=registry_id,
        offset=offset,
        limit=limit,
        sort_in_memory_up_to=sort_in_memory_up_to,
        **query.params,
    )
    assert record is not None  # an aggregation always yields its row
    return [collection_record(c) for c in record["page"]], int(record["total"])
