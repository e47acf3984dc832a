"""The OpenLineage side of objects the other features define: `openLineage` on Run, Artifact
and ArtifactVersion, `Run.parentRun`, and the `openLineageDataset` lookup. Read through
per-request DataLoaders; the types call these after authorising as their other fields do."""

from __future__ import annotations

from typing import Any

from api.context import Context
from graph.artifacts.datasets import openlineage_of
from graph.lineage.openlineage_runs import openlineage_of_runs, parents_of_runs


async def load_run_openlineage(context: Context, ids: list[str]) -> list[dict[str, Any] | None]:
    return await openlineage_of_runs(context.graph, ids)


async def load_run_parents(context: Context, ids: list[str]) -> list[str | None]:
    return await parents_of_runs(context.graph, ids)


async def load_dataset_openlineage(context: Context, ids: list[str]) -> list[dict[str, Any] | None]:
    return await openlineage_of(context.graph, ids)


async def run_openlineage(context: Context, run_id: str) -> dict[str, Any] | None:
    return await context.loaders.get(load_run_openlineage).load(run_id)


async def run_parent_id(context: Context, run_id: str) -> str | None:
    return await context.loaders.get(load_run_parents).load(run_id)


async def dataset_openlineage(context: Context, node_id: str) -> dict[str, Any] | None:
    """Of an artifact (`{namespace, name}`) or a version (`{namespace, name, facets}`)."""
    return await context.loaders.get(load_dataset_openlineage).load(node_id)
