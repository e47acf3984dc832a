"""Registry paths where a run names a version it used: `org/registry-r/c[:vN|:alias]` (or
`org/wandb-registry-r/...`, as W&B users write them) name the linked source version.

Resolved here, at the API edge, because the lineage wing may not reach into the registry wing:
the edge is then recorded by the version's id, with the path kept as the edge's reference. Only
callers who may read the registry resolve its paths; to anyone else a registry they may not read
answers the same NOT_FOUND as a missing registry, collection or alias.
"""

from __future__ import annotations

from strawberry.types import Info

from api.authz import Action
from api.context import Context
from graph.core.errors import Forbidden, NotFound
from graph.core.refs import is_registry_path, parse_registry_path
from graph.registry import versions as registry_versions


def is_registry_ref(path: str) -> bool:
    """Whether a run's reference is a full registry path: three parts, the second a registry
    (`project/registry-x` stays a project-relative artifact name)."""
    return is_registry_path(path) and path.partition(":")[0].count("/") == 2


async def registry_source_version(info: Info[Context, None], path: str, *, field: str) -> str:
    """The id of the source version the registry path names now, once the caller is allowed
    to read that registry; NOT_FOUND otherwise (see the module doc)."""
    parsed = parse_registry_path(path, field=field)
    missing = NotFound(f"No committed artifact version at {path[:200]}", field=field)
    try:
        await info.context.authorize(Action.READ, org=parsed.org, registry=parsed.registry)
    except (Forbidden, NotFound):
        raise missing from None
    membership = await registry_versions.membership_at_path(info.context.graph, parsed)
    if membership is None:
        raise missing
    return membership.version.id
