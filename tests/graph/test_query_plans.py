"""Every named Cypher query of the `graph` package reaches its nodes through an index or a node it
was given, never by scanning a label that grows with use.

A scan hides well: it answers correctly and fast on a test database, then slows with every
event, alias move or delivery ever written (a search page once scanned every collection alias).
A common cause is a composite index used through its first property only: Neo4j seeks it only
when every other property of the index has a predicate too (`AND a.name IS NOT NULL`).

The plans are those of the tests' Neo4j as it is: a fresh one in CI (the `graph` fixture's
bootstrap creates the indexes and waits for them), a well-filled one on a developer's machine;
the check has to hold on both, since the planner weighs an index by the store's counts.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any, LiteralString, cast

from neo4j.exceptions import CypherSyntaxError

import graph as graph_package
from graph.core.driver import Graph

# Labels a query may scan, because they stay small whatever the use (each: why).
SMALL_LABELS: dict[str, str] = {
    "User": "people with an account on the server",
    "ApiKey": "a few per user",
    "Organization": "one per team",
    "OrgClaim": "at most one per organisation name, settled on the claimant's next request",
    "Registry": "a handful per organisation",
    "Webhook": "a few per organisation",
    "EventSequence": "one per organisation",
}

# Queries that may scan a growing label anyway (each: why).
MAY_SCAN: dict[tuple[str, str], str] = {
    ("graph.core.bootstrap", "RUN_CLIENT_IDS"): "a one-off migration touching every run",
}

# Constants that are pieces of a statement, EXPLAINed as part of the queries built from them.
FRAGMENTS: dict[tuple[str, str], str] = {
    ("graph.artifacts.gc", "_USED"): "an EXISTS predicate of the collection queries",
    ("graph.artifacts.history", "_ARTIFACT"): "the MATCH head of the as-of queries",
    ("graph.artifacts.history", "HISTORY_PARTS"): "the rows COUNT_HISTORY and HISTORY_PAGE end",
    ("graph.artifacts.resolve", "_ARTIFACT"): "the MATCH head of the resolve queries",
    ("graph.core.audit_log", "_MATCH"): "the filter COUNT_EVENTS and EVENTS_PAGE end",
    ("graph.lineage.levels", "_EDGES_BY_NODE"): "the tail of the level queries",
    ("graph.lineage.nodes", "VERSION_FIELDS"): "a map projection of a version",
    ("graph.lineage.runs", "NEW_RUN"): "the CREATE of the run-logging statements",
    ("graph.registry.versions", "_PATH_TO_COLLECTION"): "the MATCH head of the path queries",
}

_STATEMENT = re.compile(r"\b(MATCH|UNWIND|MERGE|CREATE)\b")
# NodeByLabelScan, Union/IntersectionNodeByLabelsScan, AllNodesScan,
# (Directed|Undirected)(Union)RelationshipType(s)Scan, (Directed|Undirected)AllRelationshipsScan
# and their Partitioned forms.
_SCAN = re.compile(r"(NodeByLabels?|AllNodes|RelationshipTypes?|AllRelationships)Scan$")
_NODE_SCAN = re.compile(r"NodeByLabels?Scan$")


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


def scans(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(operator, details) of every scan in the plan."""
    operator = str(plan.get("operatorType", "")).split("@")[0]
    if _SCAN.search(operator):
        yield operator, str(plan.get("args", {}).get("Details", ""))
    for child in plan.get("children", []):
        yield from scans(child)


def growing(operator: str, details: str) -> bool:
    """A scan that can grow: of a label not known to stay small, of all nodes, or of a
    relationship type (every type links labels that grow)."""
    if not _NODE_SCAN.search(operator):
        return True
    labels = re.split(r"[|&]", details.partition(":")[2])  # `n:A`, `n:A|B`, `n:A&B`
    return any(label.strip() not in SMALL_LABELS for label in labels)


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
        try:
            plan = await explained_plan(graph, text)
        except CypherSyntaxError as error:
            offenders.append(f"{module}.{name} is no statement (a fragment? list it): {error}")
            continue
        checked += 1
        bad = [f"{op} {details}" for op, details in scans(plan) if growing(op, details)]
        if bad and (module, name) not in MAY_SCAN:
            offenders.append(f"{module}.{name} scans: {'; '.join(bad)}")
    assert checked > 100  # the walk found the queries
    assert offenders == []


def test_the_scan_check_sees_every_kind_of_scan() -> None:
    assert growing("NodeByLabelScan", "v:ArtifactVersion")
    assert growing("UnionNodeByLabelsScan", "n:User|Run")
    assert growing("AllNodesScan", "n")
    assert growing("DirectedRelationshipTypeScan", "(a)-[l:LINKED_TO]->(b)")
    assert not growing("NodeByLabelScan", "u:User")
    assert not growing("UnionNodeByLabelsScan", "n:User|Webhook")
    for operator in [
        "NodeByLabelScan",
        "IntersectionNodeByLabelsScan",
        "AllNodesScan",
        "UndirectedRelationshipTypeScan",
        "DirectedUnionRelationshipTypesScan",
        "DirectedAllRelationshipsScan",
    ]:
        assert _SCAN.search(operator), operator
    assert not _SCAN.search("NodeIndexSeek")


def test_the_exception_lists_name_only_existing_constants() -> None:
    for module, name in FRAGMENTS.keys() | MAY_SCAN.keys():
        assert isinstance(getattr(importlib.import_module(module), name), str), (module, name)
