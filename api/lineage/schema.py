"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

from api.lineage.diff import LineageDiffQuery
from api.lineage.graph_types import LineageCluster, LineageGraph
from api.lineage.ingest import IngestMutation
from api.lineage.mutations import LineageMutation
from api.lineage.nodes import LineageVersion, Run
from api.lineage.queries import LineageQuery

QUERIES: list[type] = [LineageQuery, LineageDiffQuery]
MUTATIONS: list[type] = [LineageMutation, IngestMutation]
TYPES: list[type] = [Run, LineageVersion, LineageGraph, LineageCluster]
