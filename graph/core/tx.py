"""Transaction functions shared by every query module.

Each consumes its result inside the transaction and returns plain dicts, so they are safe to pass
to `Graph.read`/`Graph.write`, which may retry them.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction


async def fetch_one(
    tx: AsyncManagedTransaction, /, query: LiteralString, **params: Any
) -> dict[str, Any] | None:
    """The first record as a dict, or None when the query returned nothing."""
    record = await (await tx.run(query, params)).single()
    return None if record is None else record.data()


async def fetch_single(
    tx: AsyncManagedTransaction, /, query: LiteralString, **params: Any
) -> dict[str, Any]:
    """Exactly one record as a dict; for writes that always return a row (CREATE, MERGE)."""
    record = await (await tx.run(query, params)).single(strict=True)
    return record.data()


async def fetch_all(
    tx: AsyncManagedTransaction, /, query: LiteralString, **params: Any
) -> list[dict[str, Any]]:
    return [record.data() async for record in await tx.run(query, params)]


async def fetch_page(
    tx: AsyncManagedTransaction,
    /,
    count_query: LiteralString,
    page_query: LiteralString,
    **params: Any,
) -> tuple[list[dict[str, Any]], int]:
    """A page (the page query uses `SKIP $offset LIMIT $limit`) and the total, in one snapshot."""
    total_record = await (await tx.run(count_query, params)).single()
    total = 0 if total_record is None else int(total_record[0])
    rows = [record.data() async for record in await tx.run(page_query, params)]
    return rows, total
