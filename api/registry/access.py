"""How registry resolvers ask `authorize`: filtering lists, protected aliases, global ids.

Lists (registries of an organisation, collections a version is linked to) show only what the
caller may read: each registry is authorised, and refused ones are left out before the page and
its total are computed in the database, so totals never count what the caller cannot see.

A RESTRICTED registry the caller has no role on does not exist for them: authorisation answers
`NotFound` for it exactly as for a registry nobody created, and lookups that answer null for a
missing registry answer null for a hidden one (`sees_registry`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from strawberry.types import Info

from api.artifacts.ids import SAME_OBJECT, typed_node_id
from api.authz import Action
from api.context import Context
from graph.core.errors import Forbidden, InvalidInput, NotFound

T = TypeVar("T")

ARTIFACT_VERSION_TYPE = "ArtifactVersion"
RUN_TYPE = "Run"


async def may(info: Info[Context, None], action: Action, org: str, registry: str) -> bool:
    """Whether the caller may do `action` in the registry (`Forbidden`, or `NotFound` for a
    registry hidden from them, becomes False)."""
    try:
        await info.context.authorize(action, org=org, registry=registry)
    except (Forbidden, NotFound):
        return False
    return True


async def sees_registry(
    info: Info[Context, None], org: str, registry: str, *, field: str = "registry"
) -> bool:
    """Authorise reading the registry; False when it does not exist for the caller (missing,
    or RESTRICTED without a role), for lookups that then answer null. Raises the refusal of
    callers who may not read the organisation."""
    try:
        await info.context.authorize(Action.READ, org=org, registry=registry, registry_field=field)
    except NotFound:
        return False
    return True


async def read_if_visible(
    info: Info[Context, None],
    org: str,
    registry: str,
    read: Callable[[], Awaitable[T]],
    *,
    field: str = "registry",
) -> T | None:
    """`read()` if the caller sees the registry (`sees_registry`), else None; refusals raise.

    For an authenticated caller the read runs while the authorisation is looked up, so a
    lookup costs one round trip of latency instead of two. Its answer is used only once the
    caller is allowed; a refused caller's read is awaited to its end (never cancelled mid-query,
    which would cost the driver its connection) and dropped. `read` must be read-only.
    Anonymous and refused callers are authorised first: they never cause a read.
    """
    if info.context.caller.user_id is None:
        if not await sees_registry(info, org, registry, field=field):
            return None
        return await read()
    reading = asyncio.ensure_future(read())
    try:
        visible = await sees_registry(info, org, registry, field=field)
    except BaseException:
        await asyncio.gather(reading, return_exceptions=True)
        raise
    if not visible:
        await asyncio.gather(reading, return_exceptions=True)
        return None
    return await reading


async def may_change_protected(info: Info[Context, None], org: str, registry: str) -> bool:
    """Protected aliases are for registry admins: `Action.ADMIN` on that registry."""
    return await may(info, Action.ADMIN, org, registry)


async def readable(info: Info[Context, None], scopes: Iterable[tuple[str, str, str]]) -> list[str]:
    """The ids among `(id, org, registry)` the caller may read."""
    return [rid for rid, org, name in scopes if await may(info, Action.READ, org, name)]


def version_node_id(value: str, *, field: str) -> str:
    """An ArtifactVersion's node id from its global id (or its LineageVersion's, the same
    version), or the raw id itself."""
    found = typed_node_id(value, SAME_OBJECT[ARTIFACT_VERSION_TYPE])
    if found is not None:
        return found
    if value and len(value) <= 64 and value.isalnum():
        return value
    raise InvalidInput(f"Not an ArtifactVersion id: {value[:100]!r}", field=field)
