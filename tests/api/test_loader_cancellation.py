"""A DataLoader hands every field asking for the same key the same future. When GraphQL cancels
one of those fields (a sibling failed, so graphql-core cancels the rest of that object), the
others must still get their value: cancelling one awaiter must not cancel the shared future,
or the other field's resolver raises CancelledError, which nothing catches, and the whole
request is an HTTP 500. The schema fuzzer (tests/api/test_fuzz_schema.py, bench/fuzz_api.py)
found it with `producedBy` asked for twice, once next to a field that failed."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from api.context import Context
from api.loaders import Loaders


async def test_cancelling_one_field_leaves_the_others_their_value() -> None:
    async def batch(context: Any, keys: list[int]) -> list[int]:
        await asyncio.sleep(0.05)
        return [key * 10 for key in keys]

    loaders = Loaders(cast(Context, None))

    async def field() -> int:
        return await loaders.get(batch).load(7)

    cancelled, kept = asyncio.create_task(field()), asyncio.create_task(field())
    await asyncio.sleep(0)  # both wait on the same key
    cancelled.cancel()
    assert await kept == 70
    assert cancelled.cancelled()
    assert await field() == 70  # the cached value is still served
