"""Neo4j access for Lineage: driver lifetime, schema bootstrap, and one module per query family.

Nothing here imports `api` or `storage`; functions take a `Graph` and return plain dataclasses.
"""
