"""Organisations and projects: created explicitly or on first use, looked up by id or name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j.exceptions import ConstraintError

from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, NotFound
from graph.core.names import validate_name
from graph.core.tx import fetch_all, fetch_one, fetch_page, fetch_single
from graph.core.values import native_datetime, new_id, now


@dataclass(frozen=True)
class OrganizationRecord:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class ProjectRecord:
    id: str
    org_id: str
    org_name: str
    name: str
    created_at: datetime


def _org(row: Any) -> OrganizationRecord:
    return OrganizationRecord(
        id=row["id"], name=row["name"], created_at=native_datetime(row["created_at"]) or now()
    )


def _project(row: Any) -> ProjectRecord:
    return ProjectRecord(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        name=row["name"],
        created_at=native_datetime(row["created_at"]) or now(),
    )


CREATE_ORGANIZATION: LiteralString = """
CREATE (o:Organization {id: $id, name: $name, created_at: $now})
RETURN o {.id, .name, .created_at} AS org
"""

ENSURE_ORGANIZATION: LiteralString = """
MERGE (o:Organization {name: $name})
ON CREATE SET o.id = $id, o.created_at = $now
RETURN o {.id, .name, .created_at} AS org
"""

ORGANIZATIONS_BY_ID: LiteralString = """
UNWIND $ids AS id
MATCH (o:Organization {id: id})
RETURN o {.id, .name, .created_at} AS org
"""

ORGANIZATION_BY_NAME: LiteralString = """
MATCH (o:Organization {name: $name})
RETURN o {.id, .name, .created_at} AS org
"""

# Organisations stay few (a scan of them is the price of one new organisation's first use).
NAMED_ALIKE: LiteralString = """
MATCH (o:Organization)
WHERE toLower(o.name) = toLower($name) AND o.name <> $name
RETURN o.name AS name
LIMIT 1
"""

ENSURE_PROJECT: LiteralString = """
MERGE (o:Organization {name: $org})
ON CREATE SET o.id = $org_id, o.created_at = $now
MERGE (p:Project {org_id: o.id, name: $name})
ON CREATE SET p.id = $id, p.created_at = $now
MERGE (o)-[:HAS_PROJECT]->(p)
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
"""

CREATE_PROJECT: LiteralString = """
MATCH (o:Organization {name: $org})
CREATE (p:Project {id: $id, org_id: o.id, name: $name, created_at: $now})
CREATE (o)-[:HAS_PROJECT]->(p)
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
"""

CREATE_PROJECT_AND_ORGANIZATION: LiteralString = """
MERGE (o:Organization {name: $org})
ON CREATE SET o.id = $org_id, o.created_at = $now
CREATE (p:Project {id: $id, org_id: o.id, name: $name, created_at: $now})
CREATE (o)-[:HAS_PROJECT]->(p)
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
"""

PROJECTS_BY_ID: LiteralString = """
UNWIND $ids AS id
MATCH (o:Organization)-[:HAS_PROJECT]->(p:Project {id: id})
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
"""

PROJECT_BY_NAME: LiteralString = """
MATCH (o:Organization {name: $org})-[:HAS_PROJECT]->(p:Project {name: $name})
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
"""

COUNT_PROJECTS_OF_ORGANIZATION: LiteralString = """
MATCH (:Organization {id: $org_id})-[:HAS_PROJECT]->(p:Project)
RETURN count(p) AS total
"""

PROJECTS_OF_ORGANIZATION: LiteralString = """
MATCH (o:Organization {id: $org_id})-[:HAS_PROJECT]->(p:Project)
RETURN p {.id, .org_id, org_name: o.name, .name, .created_at} AS project
ORDER BY p.name
SKIP $offset LIMIT $limit
"""


async def organization_named_alike(graph: Graph, name: str) -> str | None:
    """An existing organisation whose name differs from `name` in case only: a new one beside it
    (`Acme` next to `acme`) would pass for it in every path, so it is refused before it exists."""
    record = await graph.read_record(NAMED_ALIKE, name=name)
    return None if record is None else str(record["name"])


async def create_organization(graph: Graph, name: str) -> OrganizationRecord:
    """Create an organisation; `AlreadyExists` when the name is taken."""
    validate_name(name, field="name")
    try:
        row = await graph.write(
            fetch_single, CREATE_ORGANIZATION, id=new_id(), name=name, now=now()
        )
    except ConstraintError:
        raise AlreadyExists(f"Organization {name!r} already exists", field="name") from None
    return _org(row["org"])


async def ensure_organization(graph: Graph, name: str) -> OrganizationRecord:
    """The organisation called `name`, created on first use (safe under concurrency)."""
    validate_name(name, field="organization")
    row = await graph.write(fetch_single, ENSURE_ORGANIZATION, id=new_id(), name=name, now=now())
    return _org(row["org"])


async def organization_by_name(graph: Graph, name: str) -> OrganizationRecord | None:
    row = await graph.read(fetch_one, ORGANIZATION_BY_NAME, name=name)
    return None if row is None else _org(row["org"])


async def require_organization(graph: Graph, name: str) -> OrganizationRecord:
    org = await organization_by_name(graph, name)
    if org is None:
        raise NotFound(f"Organization {name!r} not found", field="organization")
    return org


async def organizations_by_ids(graph: Graph, ids: list[str]) -> list[OrganizationRecord | None]:
    """One round trip for many ids; results in the order of `ids`, None where absent."""
    rows = await graph.read(fetch_all, ORGANIZATIONS_BY_ID, ids=ids)
    found = {row["org"]["id"]: _org(row["org"]) for row in rows}
    return [found.get(i) for i in ids]


async def ensure_project(graph: Graph, org: str, name: str) -> ProjectRecord:
    """The project `org/name`, creating the organisation and project on first use."""
    validate_name(org, field="organization")
    validate_name(name, field="project")
    row = await graph.write(
        fetch_single,
        ENSURE_PROJECT,
        org=org,
        name=name,
        id=new_id(),
        org_id=new_id(),
        now=now(),
    )
    return _project(row["project"])


async def create_project(
    graph: Graph, org: str, name: str, *, create_organization: bool = False
) -> ProjectRecord:
    """Create a project; `AlreadyExists` when the name is taken.

    With `create_organization` a missing organisation is created in the same transaction, so a
    refused project (bad or taken name) never leaves a new, empty organisation behind.
    """
    validate_name(org, field="organization")
    validate_name(name, field="name")
    query = CREATE_PROJECT_AND_ORGANIZATION if create_organization else CREATE_PROJECT
    try:
        row = await graph.write(
            fetch_one, query, org=org, name=name, id=new_id(), org_id=new_id(), now=now()
        )
    except ConstraintError:
        raise AlreadyExists(f"Project {org}/{name} already exists", field="name") from None
    if row is None:
        raise NotFound(f"Organization {org!r} not found", field="organization")
    return _project(row["project"])


async def project_by_name(graph: Graph, org: str, name: str) -> ProjectRecord | None:
    row = await graph.read(fetch_one, PROJECT_BY_NAME, org=org, name=name)
    return None if row is None else _project(row["project"])


async def projects_by_ids(graph: Graph, ids: list[str]) -> list[ProjectRecord | None]:
    rows = await graph.read(fetch_all, PROJECTS_BY_ID, ids=ids)
    found = {row["project"]["id"]: _project(row["project"]) for row in rows}
    return [found.get(i) for i in ids]


async def projects_of_organization(
    graph: Graph, org_id: str, offset: int, limit: int
) -> tuple[list[ProjectRecord], int]:
    """One page of an organisation's projects by name, and how many there are in all."""
    rows, total = await graph.read(
        fetch_page,
        COUNT_PROJECTS_OF_ORGANIZATION,
        PROJECTS_OF_ORGANIZATION,
        org_id=org_id,
        offset=offset,
        limit=limit,
    )
    return [_project(row["project"]) for row in rows], total
