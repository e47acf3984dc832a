"""The Lineage Python SDK: log and fetch artifacts, record runs, traverse lineage, use registries.

import lineage
lineage.configure("http://127.0.0.1:8000", api_key="...")
"""

from __future__ import annotations

from lineage.client import Client, configure, default_client
from lineage.errors import LineageError

__all__ = ["Client", "LineageError", "configure", "default_client"]
