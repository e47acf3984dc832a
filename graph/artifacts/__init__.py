"""Artifacts and their versions: drafts, manifests, commit, aliases, edits, deletion, TTL,
retention and blob garbage collection.

Other wings reach into this one only through the names below: finding the committed version a
path names (lineage edges, links), and locking a committed version against a concurrent deletion
while another wing attaches something to it (links).
"""

from graph.artifacts.resolve import require_version_tx
from graph.artifacts.updates import lock_committed_version_tx

__all__ = ["lock_committed_version_tx", "require_version_tx"]
