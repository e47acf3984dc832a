"""Neo4j access for Lineage, in wings: `graph.core` (driver, transactions, errors, names, path
grammar, bootstrap, audit) and one package per concept (`artifacts`, `lineage`, `registry`,
`access`), each owning its Cypher next to the functions that run it.

Nothing here imports `api`, `workflows` or `storage`; functions take a `Graph` and return plain
dataclasses. DEVELOPERS.md draws the arrows allowed between the wings.
"""
