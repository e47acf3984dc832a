"""Lineage root fields: traversal, cluster members, shortest paths, impact, and runs of a project.

Every field resolves the node it starts from first, authorises READ in that node's
organisation, and only then walks (a walk never leaves the organisation: edges cannot).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.authz import Action
from api.context import Context
from api.history import AsOf, checked_as_of
from api.lineage.graph_types import ClusterKeys, LineageCluster, LineageGraph, LineageGrouping
from api.lineage.ids import ClusterRef, node_id, spec_of_token
from api.lineage.impact_types import LineageImpact, LineagePaths, impact_of, paths_between
from api.lineage.nodes import LineageNode, LineageVersion, Run, lineage_nodes_of
from api.lineage.page import lineage_graph, prefetch_for
from api.pagination import After, Connection, First, connection, page_of
from api.registry.access import sees_registry
from graph.artifacts import history as artifact_history
from graph.artifacts.resolve import resolve_version
from graph.core.errors import InvalidInput, NotFound
from graph.core.refs import RegistryPath, parse_path
from graph.lineage import nodes as lineage_nodes
from graph.lineage import runs, traversal
from graph.lineage.model import (
    DEFAULT_CLUSTER_THRESHOLD,
    DEFAULT_DEPTH,
    DEFAULT_LEVEL_LIMIT,
    DEFAULT_MAX_ITEMS,
    DEFAULT_NODE_LIMIT,
    DEFAULT_TIME_BUDGET_MS,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_LEVEL_LIMIT,
    MAX_NODE_LIMIT,
    MAX_TIME_BUDGET_MS,
    Direction,
    NodeKind,
    WalkFilters,
    WalkLimits,
    WalkSpec,
)
from graph.lineage.paths import MAX_PATHS
from graph.lineage.runs import RunState
from graph.registry import history as registry_history
from graph.registry import versions as registry_versions


@strawberry.input(description="Pruning applied during the walk; a pruned node is not expanded.")
class LineageFilter:
    artifact_types: list[str] | None = strawberry.field(
        default=None, description="Keep only versions of these artifact types."
    )
    job_types: list[str] | None = strawberry.field(
        default=None, description="Keep only runs of these job types."
    )
    kinds: list[NodeKind] | None = strawberry.field(
        default=None, description="Keep only these kinds (the walk stops at the others)."
    )
    hide: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Nodes to leave out, with everything reached only through them."
    )

    def to_filters(self) -> WalkFilters:
        return WalkFilters(
            artifact_types=None if self.artifact_types is None else tuple(self.artifact_types),
            job_types=None if self.job_types is None else tuple(self.job_types),
            kinds=None if self.kinds is None else tuple(self.kinds),
            hidden=tuple(node_id(h, field="hide") for h in self.hide or ()),
        )


async def _seed_id(
    info: Info[Context, None], raw: str, as_of: datetime | None = None
) -> str | None:
    """The id of the node `seed` names: an id as given, or the committed version a path names
    now (a registry path: the linked source version); None when a path names nothing.

    A path is guessable where an id is not, so READ where it points (its organisation, or its
    registry) is authorised before it is resolved: whether it exists is not told to outsiders.
    """
    try:
        return node_id(raw, field="seed")
    except InvalidInput:
        if "/" not in raw:
            raise
    ref = parse_path(raw, field="seed")
    graph = info.context.graph
    if isinstance(ref, RegistryPath):
        if not await sees_registry(info, ref.org, ref.registry, field="seed"):
            return None  # missing, or hidden from the caller: the same null
        if as_of is not None:
            past = await registry_history.membership_as_of(graph, ref, as_of)
            return None if past is None else past.membership.version.id
        membership = await registry_versions.membership_at_path(graph, ref)
        return None if membership is None else membership.version.id
    await info.context.authorize(Action.READ, org=ref.artifact.org)
    if as_of is not None:
        version = await artifact_history.version_as_of(graph, ref, as_of)
        return None if version is None else version.id
    found = await resolve_version(graph, ref)
    return None if found is None else found.id


async def _seed(info: Info[Context, None], raw: str, field: str) -> LineageNode | None:
    """The node `raw` names, after authorising READ in its organisation; None when absent."""
    found = await lineage_nodes.node_handles(info.context.graph, [node_id(raw, field=field)])
    handle = next(iter(found.values()), None)
    if handle is None:
        return None
    await info.context.authorize(Action.READ, org=handle.org_name)
    nodes = await lineage_nodes_of(info, handle.kind, [handle.id])
    return nodes[0] if nodes else None


@strawberry.type
class LineageQuery:
    @strawberry.field(
        description="Upstream and/or downstream of a run or version, by levels, clustered in the "
        "database and bounded (see `truncated`). Null when the seed does not exist."
    )
    async def lineage(
        self,
        info: Info[Context, None],
        seed: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Where the walk starts: the id of a run or artifact version, or a "
                "version path resolved now to a committed version: "
                "`org/project/name[:vN|:alias|:<sha256>]` (no selector: `latest`), or a "
                "registry path `org/registry-name/collection[:vN|:alias]` (also "
                "`org/wandb-registry-name/...`), which starts at the linked source version. "
                "INVALID_PATH when a path does not parse."
            ),
        ],
        direction: Annotated[
            Direction, strawberry.argument(description="Which way to walk from the seed.")
        ] = Direction.BOTH,
        depth: Annotated[
            int,
            strawberry.argument(
                description=f"Levels to walk in each direction, 0 to {MAX_DEPTH} (a level is "
                "one hop: run to version or version to run)."
            ),
        ] = DEFAULT_DEPTH,
        filter: Annotated[
            LineageFilter | None,
            strawberry.argument(description="Pruning applied during the walk; null for none."),
        ] = None,
        cluster_threshold: Annotated[
            int,
            strawberry.argument(
                description="Nodes of a level that share a job type or artifact are shown as one "
                "cluster when there are at least this many of them; 2 to 1000000."
            ),
        ] = DEFAULT_CLUSTER_THRESHOLD,
        level_limit: Annotated[
            int,
            strawberry.argument(
                description="At most this many nodes of a level are expanded, 1 to "
                f"{MAX_LEVEL_LIMIT} (LEVEL_LIMIT in `truncation` when it cut)."
            ),
        ] = DEFAULT_LEVEL_LIMIT,
        node_limit: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many nodes in all levels, 1 to {MAX_NODE_LIMIT} "
                "(NODE_LIMIT in `truncation` when it cut)."
            ),
        ] = DEFAULT_NODE_LIMIT,
        time_budget_ms: Annotated[
            int,
            strawberry.argument(
                description=f"Milliseconds the walk may take, 1 to {MAX_TIME_BUDGET_MS}; the "
                "levels done by then are returned (TIME_BUDGET in `truncation`)."
            ),
        ] = DEFAULT_TIME_BUDGET_MS,
        max_items_per_level: Annotated[
            int,
            strawberry.argument(
                description=f"Clusters plus single nodes shown per level, 2 to {MAX_ITEMS}; the "
                "rest of a level goes into one OTHER cluster."
            ),
        ] = DEFAULT_MAX_ITEMS,
        as_of: AsOf = None,
    ) -> LineageGraph | None:
        limits = WalkLimits(
            depth=depth,
            level_limit=level_limit,
            node_limit=node_limit,
            time_budget_ms=time_budget_ms,
            cluster_threshold=cluster_threshold,
            max_items=max_items_per_level,
        )
        filters = (filter or LineageFilter()).to_filters()
        moment = checked_as_of(as_of)
        seed_id = await _seed_id(info, seed, moment)
        if seed_id is None:
            return None
        # The seed is looked up and authorised before the walk: a caller who may not read its
        # organisation costs this one lookup, never a walk of another team's graph. The walk
        # reuses the handle, so it does not look the seed up again.
        found = await lineage_nodes.node_handles(info.context.graph, [seed_id], moment)
        handle = found.get(seed_id)
        if handle is None:
            return None
        await info.context.authorize(Action.READ, org=handle.org_name)
        spec = WalkSpec(seed_id, direction, filters, limits, as_of=moment)
        prefetch = prefetch_for(info)
        try:
            try:
                walked = await traversal.traverse(
                    info.context.graph,
                    spec,
                    seed=handle,
                    on_level=None if prefetch is None else prefetch.level,
                )
            except NotFound:
                return None
            return await lineage_graph(info, walked, prefetch)
        finally:
            if prefetch is not None:
                await prefetch.close()

    @strawberry.field(
        description="A cluster of an earlier `lineage` answer (its `walk` and the cluster's "
        "`id`), to page its members. Null when the seed no longer exists."
    )
    async def lineage_cluster(
        self,
        info: Info[Context, None],
        walk: Annotated[
            str,
            strawberry.argument(
                description="`LineageGraph.walk` of the answer; INVALID_INPUT when it is not one."
            ),
        ],
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="`LineageCluster.id` from that answer; INVALID_INPUT when it is not "
                "part of that walk."
            ),
        ],
    ) -> LineageCluster | None:
        ref = ClusterRef.decode(spec_of_token(walk), id)
        seed = await _seed(info, ref.spec.seed_id, "id")
        if seed is None:
            return None
        kind = seed.kind if ref.distance % 2 == 0 else seed.kind.other
        keys = ClusterKeys(ref.spec, ref.direction, ref.distance, kind, ref.scan_limit, ref.binding)
        cluster = LineageCluster(
            id=strawberry.ID(id),
            kind=kind,
            grouping=_grouping(kind, ref.key),
            key=ref.key,
            label="other" if ref.key == "*" else ref.key,
            type=None,
            count=0,
            preview_ids=[],
            ref=keys.ref(ref.key),
        )
        page = await cluster.members(info, first=3)
        cluster.count = page.total_count
        members = [edge.node for edge in page.edges]
        cluster.preview_ids = [str(node.id) for node in members]
        cluster.preview_nodes = members
        if members and ref.key != "*":
            first = members[0]
            cluster.type = first.type
            if isinstance(first, LineageVersion):
                cluster.label = first.artifact_name
        return cluster

    @strawberry.field(description="Why `to` is downstream (or upstream) of `from`: shortest paths.")
    async def lineage_paths(
        self,
        info: Info[Context, None],
        from_: Annotated[
            strawberry.ID,
            strawberry.argument(
                name="from", description="Id of a run or artifact version (global or stored)."
            ),
        ],
        to: Annotated[
            strawberry.ID,
            strawberry.argument(description="Id of another run or artifact version."),
        ],
        limit: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many paths, 1 to {MAX_PATHS} (`hasMore` tells if "
                "there are more)."
            ),
        ] = 5,
        as_of: AsOf = None,
    ) -> LineagePaths | None:
        return await paths_between(
            info,
            node_id(from_, field="from"),
            node_id(to, field="to"),
            limit,
            checked_as_of(as_of),
        )

    @strawberry.field(
        description="How many runs and versions lie downstream, by type (not listed)."
    )
    async def lineage_impact(
        self,
        info: Info[Context, None],
        node: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Id of a run or artifact version (global or stored); the answer is "
                "null when it does not exist."
            ),
        ],
        depth: Annotated[
            int, strawberry.argument(description=f"Levels to walk downstream, 0 to {MAX_DEPTH}.")
        ] = 50,
        level_limit: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many nodes of a level are expanded, 1 to "
                f"{MAX_LEVEL_LIMIT}."
            ),
        ] = 10_000,
        node_limit: Annotated[
            int,
            strawberry.argument(
                description=f"At most this many nodes counted, 1 to {MAX_NODE_LIMIT}."
            ),
        ] = 1_000_000,
        time_budget_ms: Annotated[
            int,
            strawberry.argument(
                description=f"Milliseconds the count may take, 1 to {MAX_TIME_BUDGET_MS}; the "
                "counts so far are returned as lower bounds."
            ),
        ] = 10_000,
        as_of: AsOf = None,
    ) -> LineageImpact | None:
        limits = WalkLimits(
            depth=depth,
            level_limit=level_limit,
            node_limit=node_limit,
            time_budget_ms=time_budget_ms,
        )
        return await impact_of(info, node_id(node, field="node"), limits, checked_as_of(as_of))

    @strawberry.field(description="Runs of a project, newest first.")
    async def runs(
        self,
        info: Info[Context, None],
        organization: Annotated[str, strawberry.argument(description="The organisation's name.")],
        project: Annotated[str, strawberry.argument(description="The project's name.")],
        job_type: Annotated[
            str | None, strawberry.argument(description="Only runs of this job type.")
        ] = None,
        state: Annotated[
            RunState | None, strawberry.argument(description="Only runs in this state.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Run]:
        await info.context.authorize(Action.READ, org=organization)
        settings = info.context.settings
        page = page_of(
            first, after, default=settings.default_page_size, maximum=settings.max_page_size
        )
        records, total = await runs.runs_of_project(
            info.context.graph,
            organization,
            project,
            page.offset,
            page.limit,
            job_type=job_type,
            state=state,
        )
        return connection(records, total, page, Run.from_record)


def _grouping(kind: NodeKind, key: str) -> LineageGrouping:
    if key == "*":
        return LineageGrouping.OTHER
    return LineageGrouping.JOB_TYPE if kind is NodeKind.RUN else LineageGrouping.ARTIFACT
