"""Artifacts and their versions: drafts, manifests, commit, aliases, edits, deletion, TTL,
retention and blob garbage collection.

Other wings reach into this one only through the names below: finding the committed version a
path names (lineage edges, links; many at once for bulk ingest), recording events about versions
and the lineage edges into them, and locking a committed version
against a concurrent deletion while another wing attaches something to it (links), and the
file-less versions of external datasets that lineage ingestion (OpenLineage) creates.
"""

from graph.artifacts.datasets import DatasetVersion, StoredVersion, ensure_dataset_versions_tx
from graph.artifacts.events import (
    EdgeKey,
    edge_event,
    record_edge_events_tx,
    record_version_events_tx,
    version_subject,
)
from graph.artifacts.resolve import RESOLVE_MANY, ref_row, require_version_tx
from graph.artifacts.updates import lock_committed_version_tx

__all__ = [
    "RESOLVE_MANY",
    "DatasetVersion",
    "EdgeKey",
    "StoredVersion",
    "edge_event",
    "ensure_dataset_versions_tx",
    "lock_committed_version_tx",
    "record_edge_events_tx",
    "record_version_events_tx",
    "ref_row",
    "require_version_tx",
    "version_subject",
]
