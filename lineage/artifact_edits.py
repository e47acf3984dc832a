"""Editing what describes an artifact or a committed version; never its files.

    version = lineage.get_artifact("acme/vision/images:latest")
    version.update(description="cleaned", metadata={**version.metadata, "rows": 12})
    version.update_artifact(tags=["vision", "daily"])
    lineage.update_artifact("acme/vision/images", description="Camera 3, daily")

Arguments left as None stay as they are on the server; "", {} and [] clear. `metadata` and
`tags` replace the stored values whole, so merging (as above) is the caller's read-then-write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineage import artifact_queries as q
from lineage.client import Client, default_client
from lineage.errors import LineageError


@dataclass(frozen=True)
class ArtifactInfo:
    """An artifact (the series of versions) as the server described it."""

    id: str
    name: str
    type: str
    path: str
    description: str | None
    tags: list[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ArtifactInfo:
        return cls(
            data["id"],
            data["name"],
            data["type"],
            data["path"],
            data.get("description"),
            list(data.get("tags") or []),
        )


def _given(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def update_version_data(
    client: Client,
    version_id: str,
    *,
    description: str | None,
    metadata: dict[str, Any] | None,
    tags: list[str] | None,
) -> dict[str, Any]:
    """The version's fields after the update (see `ArtifactVersion.update`)."""
    given = _given(description=description, metadata=metadata, tags=tags)
    payload = client.mutate(
        q.UPDATE_VERSION, {"input": {"id": version_id, **given}}, "updateArtifactVersion"
    )
    data: dict[str, Any] = payload["version"]
    return data


def update_artifact_by_id(
    client: Client, artifact_id: str, *, description: str | None, tags: list[str] | None
) -> ArtifactInfo:
    given = _given(description=description, tags=tags)
    payload = client.mutate(
        q.UPDATE_ARTIFACT, {"input": {"id": artifact_id, **given}}, "updateArtifact"
    )
    return ArtifactInfo.from_data(payload["artifact"])


def update_artifact(
    path: str,
    *,
    description: str | None = None,
    tags: list[str] | None = None,
    client: Client | None = None,
) -> ArtifactInfo:
    """Change the description and/or tags of the artifact `org/project/name`.

    Raises LineageError: NOT_FOUND, FORBIDDEN (needs write access), INVALID_INPUT/INVALID_NAME
    for values creation would refuse too.
    """
    client = client or default_client()
    found = client.execute(q.ARTIFACT_BY_PATH, {"path": path})["artifact"]
    if found is None:
        raise LineageError("NOT_FOUND", f"no artifact at {path}")
    return update_artifact_by_id(client, found["id"], description=description, tags=tags)
