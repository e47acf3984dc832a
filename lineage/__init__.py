"""The Lineage Python SDK: log and fetch artifacts, record runs, traverse lineage, use registries.

import lineage
lineage.configure("http://127.0.0.1:8000", api_key="...")
"""

from __future__ import annotations

from lineage import webhooks
from lineage.artifact import Artifact, log_artifact
from lineage.artifact_edits import ArtifactInfo, update_artifact
from lineage.artifact_version import (
    ArtifactFile,
    ArtifactVersion,
    download_artifacts,
    get_artifact,
    use_artifact,
)
from lineage.client import Client, configure, default_client
from lineage.deletions import DeletedArtifact, delete_artifact
from lineage.errors import LineageError
from lineage.events import Event, events
from lineage.registry import (
    Collection,
    Registry,
    RegistryVersion,
    collection,
    collections,
    create_registry,
    delete_collection,
    delete_registry,
    link_artifact,
    registries,
    registry_version,
    unlink_artifact,
)
from lineage.run import Run, current_run, init
from lineage.traversal import (
    LineageCluster,
    LineageEdge,
    LineageGraph,
    LineageImpact,
    LineageLevel,
    LineageNode,
    downstream,
    impact,
    lineage,
    paths,
    upstream,
)

__all__ = [
    "Artifact",
    "ArtifactFile",
    "ArtifactInfo",
    "ArtifactVersion",
    "Client",
    "Collection",
    "DeletedArtifact",
    "Event",
    "LineageCluster",
    "LineageEdge",
    "LineageError",
    "LineageGraph",
    "LineageImpact",
    "LineageLevel",
    "LineageNode",
    "Registry",
    "RegistryVersion",
    "Run",
    "collection",
    "collections",
    "configure",
    "create_registry",
    "current_run",
    "default_client",
    "delete_artifact",
    "delete_collection",
    "delete_registry",
    "download_artifacts",
    "downstream",
    "events",
    "get_artifact",
    "impact",
    "init",
    "lineage",
    "link_artifact",
    "log_artifact",
    "paths",
    "registries",
    "registry_version",
    "unlink_artifact",
    "update_artifact",
    "upstream",
    "use_artifact",
    "webhooks",
]
