"""Searching a registry's collections: one page and the number of matches, in one snapshot.

The Cypher comes from `graph.search_filters` (constant fragments, values as parameters).
Pages are read in `(registry_id, name)` index order; the total counts every match, in the same
query.
"""

from __future__ import annotations

from graph.driver import Graph
from graph.registry_records import CollectionRecord, collection_record
from graph.search_filters import CollectionFilter, CollectionSort, collection_search_query


async def search_collections(
    graph: Graph,
    registry_id: str,
    search: CollectionFilter,
    sort: CollectionSort,
    offset: int,
    limit: int,
) -> tuple[list[CollectionRecord], int]:
    """One page of the registry's collections matching `search`, and how many match in all.

    Ordered by name (or newest first, ties by name), paged in the database.
    """
    query = collection_search_query(search, sort)
    row = await graph.read_one(
        query.cypher, registry_id=registry_id, offset=offset, limit=limit, **query.params
    )
    assert row is not None  # an aggregation always yields its row
    return [collection_record(collection) for collection in row["page"]], int(row["total"])
