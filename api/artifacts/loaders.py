"""Per-request batch functions for the artifact types (one Cypher `UNWIND` per batch)."""

from __future__ import annotations

from api.context import Context
from graph.artifacts import aliases, versions
from graph.artifacts import catalog as artifacts
from graph.artifacts.records import ArtifactRecord, ManifestLayout, VersionRecord


async def load_versions(context: Context, ids: list[str]) -> list[VersionRecord | None]:
    return await versions.versions_by_ids(context.graph, ids)


async def load_artifacts(context: Context, ids: list[str]) -> list[ArtifactRecord | None]:
    return await artifacts.artifacts_by_ids(context.graph, ids)


async def load_aliases(context: Context, ids: list[str]) -> list[list[str]]:
    return await aliases.aliases_of_versions(context.graph, ids)


async def load_layouts(context: Context, ids: list[str]) -> list[ManifestLayout | None]:
    return await versions.manifest_layouts(context.graph, ids)


async def load_producers(context: Context, ids: list[str]) -> list[str | None]:
    return await versions.producers(context.graph, ids)


async def load_version_counts(context: Context, ids: list[str]) -> list[int]:
    return await artifacts.version_counts(context.graph, ids)
