"""Find the project-scoped ArtifactVersion a user means by `org/project/name:alias` or `:vN`.

Linking accepts such a path as well as a version id. Only COMMITTED versions count. `latest`
is the artifact's `latest` Alias when one exists, otherwise its highest committed index.
"""

from __future__ import annotations

import re
from typing import LiteralString

from graph.core.driver import Graph
from graph.core.errors import NotFound
from graph.core.names import InvalidName, validate_name
from graph.core.tx import fetch_one
from graph.registry.paths import INDEX_SELECTOR, InvalidPath

ARTIFACT: LiteralString = """
MATCH (o:Organization {name: $org})
MATCH (p:Project {org_id: o.id, name: $project})
MATCH (a:Artifact {project_id: p.id, name: $name})
"""

BY_INDEX: LiteralString = (
    ARTIFACT
    + """
MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion {index: $index})
WHERE v.state = 'COMMITTED'
RETURN v.id AS id
"""
)

BY_ALIAS: LiteralString = (
    ARTIFACT
    + """
MATCH (:Alias {artifact_id: a.id, name: $alias})-[:POINTS_TO]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN v.id AS id
"""
)

NEWEST: LiteralString = (
    ARTIFACT
    + """
MATCH (a)-[:HAS_VERSION]->(v:ArtifactVersion)
WHERE v.state = 'COMMITTED'
RETURN v.id AS id
ORDER BY v.index DESC
LIMIT 1
"""
)

_PATH = re.compile(r"([^/:]+)/([^/:]+)/([^/:]+):([^/:]+)")


async def version_id_for_path(graph: Graph, path: str, *, field: str = "artifactPath") -> str:
    """The id of the committed version `org/project/name:selector` names; `NotFound` if none."""
    match = _PATH.fullmatch(path) if isinstance(path, str) and len(path) <= 512 else None
    if match is None:
        raise InvalidPath(
            f"Invalid artifact path {path!r}: expected '<org>/<project>/<name>:<vN or alias>'",
            field=field,
        )
    org, project, name, selector = match.groups()
    try:
        for value, part in ((org, "organization"), (project, "project"), (name, "name")):
            validate_name(value, field=part)
        validate_name(selector, field="alias")
    except InvalidName as error:
        raise InvalidPath(f"Invalid artifact path {path!r}: {error.message}", field=field) from None
    params = {"org": org, "project": project, "name": name}
    index = INDEX_SELECTOR.fullmatch(selector)
    if index is not None:
        row = await graph.read(fetch_one, BY_INDEX, index=int(index.group(1)), **params)
    else:
        row = await graph.read(fetch_one, BY_ALIAS, alias=selector, **params)
        if row is None and selector == "latest":
            row = await graph.read(fetch_one, NEWEST, **params)
    if row is None:
        raise NotFound(f"No committed artifact version at {path}", field=field)
    return str(row["id"])
