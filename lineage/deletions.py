"""Deleting a whole artifact from the SDK (one version: `ArtifactVersion.delete`).

    deleted = lineage.delete_artifact("acme/vision/images", delete_aliases=True)
    deleted.deleted_versions, deleted.removed_aliases   # 3, ['v1:best']

Every version goes as `deleteArtifactVersion` deletes one (lineage records stay, blobs no other
version uses are collected later), with the artifact's drafts, aliases and alias history; the
name is then free for a new artifact.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.client import Client, default_client

DELETE_ARTIFACT = (
    "mutation($input: DeleteArtifactInput!) { deleteArtifact(input: $input) {"
    " deletedArtifactId path deletedVersions discardedDrafts removedAliases"
    " errors { code message field } } }"
)


@dataclass(frozen=True)
class DeletedArtifact:
    id: str
    path: str
    deleted_versions: int
    discarded_drafts: int
    removed_aliases: list[str]
    """Custom aliases dropped, as `vN:alias`."""


def delete_artifact(
    path: str, *, delete_aliases: bool = False, client: Client | None = None
) -> DeletedArtifact:
    """Delete the artifact `org/project/name` and all its versions, in one transaction.

    Raises LineageError: HAS_LINKED_VERSIONS while a version is linked in a registry (unlink it
    or delete the collection first), HAS_ALIASES for custom aliases unless `delete_aliases`,
    NOT_FOUND, FORBIDDEN (needs write access). A refusal changes nothing.
    """
    client = client or default_client()
    payload = client.mutate(
        DELETE_ARTIFACT,
        {"input": {"path": path, "deleteAliases": delete_aliases}},
        "deleteArtifact",
    )
    return DeletedArtifact(
        payload["deletedArtifactId"],
        payload["path"],
        payload["deletedVersions"],
        payload["discardedDrafts"],
        list(payload["removedAliases"]),
    )
