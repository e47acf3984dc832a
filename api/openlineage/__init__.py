"""OpenLineage in and out: `POST /api/v1/lineage` ingests RunEvent, DatasetEvent and JobEvent
(validated against the spec's JSON Schema shipped with the package), and the lineage around a
node exports as OpenLineage events (JSON lines)."""
