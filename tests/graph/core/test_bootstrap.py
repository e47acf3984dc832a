from __future__ import annotations

from graph.core.bootstrap import LATEST_SCHEMA_VERSION, SCHEMA_STATEMENTS, bootstrap
from graph.core.driver import Graph


async def test_bootstrap_is_idempotent_and_records_the_schema_version(graph: Graph) -> None:
    assert await bootstrap(graph) == LATEST_SCHEMA_VERSION
    assert await bootstrap(graph) == LATEST_SCHEMA_VERSION
    records, _, _ = await graph.driver.execute_query(
        "MATCH (s:LineageSchema {id: 'lineage'}) RETURN count(s) AS n, s.version AS v",
        database_=graph.database,
    )
    assert records[0]["n"] == 1
    assert records[0]["v"] == LATEST_SCHEMA_VERSION


async def test_every_declared_constraint_and_index_exists(graph: Graph) -> None:
    names = {statement.split()[2] for statement in SCHEMA_STATEMENTS}
    constraints, _, _ = await graph.driver.execute_query(
        "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names", database_=graph.database
    )
    indexes, _, _ = await graph.driver.execute_query(
        "SHOW INDEXES YIELD name, state RETURN collect([name, state]) AS rows",
        database_=graph.database,
    )
    present = set(constraints[0]["names"]) | {name for name, _ in indexes[0]["rows"]}
    assert names <= present
    assert all(state == "ONLINE" for name, state in indexes[0]["rows"] if name in names)
