"""Root fields this feature contributes; `api/schema.py` merges them into Query and Mutation."""

from __future__ import annotations

from api.artifacts.delete_mutations import ArtifactDeleteMutation
from api.artifacts.diff import ArtifactDiffQuery
from api.artifacts.manage_mutations import ArtifactManageMutation
from api.artifacts.queries import ArtifactQuery
from api.artifacts.types import Artifact, ArtifactVersion
from api.artifacts.update_mutations import ArtifactUpdateMutation
from api.artifacts.upload_mutations import ArtifactUploadMutation

QUERIES: list[type] = [ArtifactQuery, ArtifactDiffQuery]
MUTATIONS: list[type] = [
    ArtifactUploadMutation,
    ArtifactManageMutation,
    ArtifactUpdateMutation,
    ArtifactDeleteMutation,
]
TYPES: list[type] = [Artifact, ArtifactVersion]
