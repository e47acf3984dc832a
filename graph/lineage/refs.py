"""Artifact references as users write them, resolved to one COMMITTED version at that moment.

Accepted forms (the organisation and project default to the run's own):
`name`, `name:alias`, `name:vN`, `project/name:alias`, `org/project/name:vN`.
Without a selector the alias `latest` is meant. Names follow `graph.core.names`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.core.errors import InvalidInput, NotFound
from graph.core.names import validate_name

VERSION_SELECTOR = re.compile(r"v(\d{1,9})")
DEFAULT_ALIAS = "latest"


@dataclass(frozen=True)
class ArtifactRef:
    org: str
    project: str
    name: str
    alias: str | None
    index: int | None

    def __str__(self) -> str:
        selector = f"v{self.index}" if self.index is not None else self.alias
        return f"{self.org}/{self.project}/{self.name}:{selector}"


def parse_ref(text: str, *, org: str, project: str, field: str = "artifact") -> ArtifactRef:
    """Split `[[org/]project/]name[:alias|:vN]`, defaulting to the given org and project."""
    if not isinstance(text, str) or not text or len(text) > 512:
        raise InvalidInput("Invalid artifact reference", field=field)
    path, _, selector = text.rpartition(":") if ":" in text else (text, "", "")
    parts = path.split("/")
    if len(parts) > 3 or not all(parts):
        raise InvalidInput(
            f"Invalid artifact reference {text[:64]!r}: use [org/project/]name[:alias|:vN]",
            field=field,
        )
    name = parts[-1]
    if len(parts) >= 2:
        project = parts[-2]
    if len(parts) == 3:
        org = parts[0]
    for value in (org, project, name):
        validate_name(value, field=field)
    selector = selector or DEFAULT_ALIAS
    match = VERSION_SELECTOR.fullmatch(selector)
    if match:
        return ArtifactRef(org, project, name, None, int(match.group(1)))
    validate_name(selector, field=field)
    return ArtifactRef(org, project, name, selector, None)


RESOLVE_BY_ALIAS: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: $name})
MATCH (:Alias {artifact_id: a.id, name: $alias})-[:POINTS_TO]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN v.id AS id, v.org_id AS org_id
"""

RESOLVE_BY_INDEX: LiteralString = """
MATCH (:Organization {name: $org})-[:HAS_PROJECT]->(:Project {name: $project})
      -[:HAS_ARTIFACT]->(a:Artifact {name: $name})
MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion {index: $index})
WHERE v.state = 'COMMITTED'
RETURN v.id AS id, v.org_id AS org_id
"""


async def resolve_ref_tx(
    tx: AsyncManagedTransaction, ref: ArtifactRef, *, field: str = "artifact"
) -> tuple[str, str]:
    """(version id, org id) of the COMMITTED version `ref` names now; `NotFound` otherwise."""
    if ref.index is not None:
        result = await tx.run(
            RESOLVE_BY_INDEX, org=ref.org, project=ref.project, name=ref.name, index=ref.index
        )
    else:
        result = await tx.run(
            RESOLVE_BY_ALIAS, org=ref.org, project=ref.project, name=ref.name, alias=ref.alias
        )
    row = await result.single()
    if row is None:
        raise NotFound(f"No committed artifact version {ref}", field=field)
    return str(row["id"]), str(row["org_id"])
