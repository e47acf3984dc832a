"""Every named Cypher query of the `graph` package reaches its nodes through an index or a node it
was given, never by scanning a label that grows with use.

A scan hides well: it answers correctly and fast on a test database, then slows with every
event, alias move or delivery ever written (a search page once scanned every collection alias).
A common cause is a composite index used through its first property only: Neo4j seeks it only
when every other property of the index has a predicate too (`AND a.name IS NOT NULL`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any, LiteralString, cast

import graph as graph_package
from graph.core.driver import Graph

# Labels that stay small whatever the use: people, their first-use claims of organisation
# names, registries (a handful per organisation), webhooks (a few per organisation) and the
# one event sequence node per organisation.
SMALL_LABELS = frozenset({"User", "OrgClaim", "Registry", "Webhook", "EventSequence"})

# Queries that may scan, with the reason.
MAY_SCAN = {
    ("graph.core.bootstrap", "RUN_CLIENT_IDS"): "a one-off migration of every run",
}

# Constants that are pieces of queries (projections, shared MATCH heads), not whole statements.
FRAGMENTS = frozenset(
    {
        ("graph.artifacts.gc", "_USED"),
        ("graph.artifacts.history", "_ARTIFACT"),
        ("graph.artifacts.history", "HISTORY_PARTS"),
        ("graph.artifacts.resolve", "_ARTIFACT"),
        ("graph.core.audit_log", "_MATCH"),
        ("graph.lineage.levels", "_EDGES_BY_NODE"),
        ("graph.lineage.nodes", "VERSION_FIELDS"),
        ("graph.lineage.runs", "NEW_RUN"),
        ("graph.registry.versions", "_PATH_TO_COLLECTION"),
    }
)

_STATEMENT = re.compile(r"\b(MATCH|UNWIND|MERGE|CREATE)\b")
_SCANS = ("NodeByLabelScan", "AllNodesScan", "RelationshipTypeScan", "AllRelationshipsScan")


def named_queries() -> Iterator[tuple[str, str, str]]:
    """(module, constant, text) of every upper-case Cypher string constant, each text once."""
    seen: set[str] = set()
    for info in pkgutil.walk_packages(graph_package.__path__, "graph."):
        module = importlib.import_module(info.name)
        for name, value in sorted(vars(module).items()):
            if not (name.isupper() and isinstance(value, str) and _STATEMENT.search(value)):
                continue
            if value in seen or (info.name, name) in FRAGMENTS:
                continue
            seen.add(value)
            yield info.name, name, value


def scans(plan: dict[str, Any]) -> Iterator[str]:
    operator = str(plan.get("operatorType", "")).split("@")[0]
    if operator in _SCANS:
        yield f"{operator} {plan.get('args', {}).get('Details', '')}"
    for child in plan.get("children", []):
        yield from scans(child)


def growing(scan: str) -> bool:
    """A scan of a label not known to stay small (or of all nodes or relationships)."""
    found = re.search(r":(\w+)", scan)
    return found is None or found.group(1) not in SMALL_LABELS


async def explained_plan(graph: Graph, text: str) -> dict[str, Any]:
    async with graph.driver.session(database=graph.database) as session:
        result = await session.run(cast(LiteralString, "EXPLAIN " + text))  # our own constants
        summary = await result.consume()
    plan: dict[str, Any] | None = summary.plan
    assert plan is not None
    return plan


async def test_no_named_query_scans_a_growing_label(graph: Graph) -> None:
    offenders: list[str] = []
    checked = 0
    for module, name, text in named_queries():
        plan = await explained_plan(graph, text)
        checked += 1
        bad = [scan for scan in scans(plan) if growing(scan)]
        if bad and (module, name) not in MAY_SCAN:
            offenders.append(f"{module}.{name}: {'; '.join(bad)}")
    assert checked > 100  # the walk found the queries
    assert offenders == []


def test_the_fragment_list_names_only_existing_constants() -> None:
    for module, name in FRAGMENTS | set(MAY_SCAN):
        assert isinstance(getattr(importlib.import_module(module), name), str), (module, name)
