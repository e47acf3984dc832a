"""The Lineage Python SDK: log and fetch artifacts, record runs, traverse lineage, use registries.

import lineage
lineage.configure("http://127.0.0.1:8000", api_key="...")
"""

from __future__ import annotations

from lineage.artifact import Artifact, log_artifact
from lineage.artifact_version import (
    ArtifactFile,
    ArtifactVersion,
    download_artifacts,
    get_artifact,
    use_artifact,
)
from lineage.client import Client, configure, default_client
from lineage.errors import LineageError
from lineage.registry import (
    Collection,
    Registry,
    RegistryVersion,
    collection,
    collections,
    create_registry,
    link_artifact,
    registries,
    registry_version,
    unlink_artifact,
)

__all__ = [
    "Artifact",
    "ArtifactFile",
    "ArtifactVersion",
    "Client",
    "Collection",
    "LineageError",
    "Registry",
    "RegistryVersion",
    "collection",
    "collections",
    "configure",
    "create_registry",
    "default_client",
    "download_artifacts",
    "get_artifact",
    "link_artifact",
    "log_artifact",
    "registries",
    "registry_version",
    "unlink_artifact",
    "use_artifact",
]
