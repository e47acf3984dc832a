"""The GraphQL documents the artifact SDK sends (values always as variables)."""

from __future__ import annotations

UPLOAD_FIELDS = (
    "uploads { digest size method url headers multipart { uploadId partSize partUrls } }"
)

VERSION_FIELDS = """
  id index version path digest size fileCount description metadata tags createdAt createdBy
  aliases ttlSeconds expiresAt producedBy state deletedAt
  artifact { id name type path description tags }
"""

CREATE_DRAFT = (
    "mutation($input: CreateArtifactDraftInput!) { createArtifactDraft(input: $input) {"
    f" draftId {UPLOAD_FIELDS} errors {{ code message field }} }} }}"
)

ADD_ENTRIES = (
    "mutation($input: AddArtifactDraftEntriesInput!) { addArtifactDraftEntries(input: $input) {"
    f" {UPLOAD_FIELDS} errors {{ code message field }} }} }}"
)

COMPLETE_MULTIPART = (
    "mutation($input: CompleteMultipartUploadInput!) { completeMultipartUpload(input: $input) {"
    " digest errors { code message field } } }"
)

CONFIRM_UPLOADS = (
    "mutation($input: ConfirmArtifactUploadsInput!) { confirmArtifactUploads(input: $input) {"
    " confirmed missing errors { code message field } } }"
)

COMMIT = (
    "mutation($input: CommitArtifactDraftInput!) { commitArtifactDraft(input: $input) {"
    f" created version {{ {VERSION_FIELDS} }} errors {{ code message field }} }} }}"
)

DISCARD = (
    "mutation($input: DiscardArtifactDraftInput!) { discardArtifactDraft(input: $input) {"
    " discarded errors { code message field } } }"
)

VERSION_BY_PATH = (
    "query($path: String!, $asOf: DateTime) {"
    f" artifactVersion(path: $path, asOf: $asOf) {{ {VERSION_FIELDS} }} }}"
)

VERSION_BY_ID = (
    "query($id: ID!) { node(id: $id) { __typename ... on ArtifactVersion {"
    f" {VERSION_FIELDS} }} }} }}"
)

FILE_FIELDS = "path digest size ref etag versionId url"

FILES = (
    "query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on ArtifactVersion {"
    f" files(first: $first, after: $after) {{ totalCount pageInfo {{ hasNextPage endCursor }}"
    f" edges {{ node {{ {FILE_FIELDS} }} }} }} }} }} }}"
)

MANY_FILES = (
    "query($ids: [ID!]!, $first: Int) { artifactFiles(versionIds: $ids, first: $first) {"
    " version { id } files { totalCount pageInfo { hasNextPage endCursor }"
    f" edges {{ node {{ {FILE_FIELDS} }} }} }} }} }}"
)

SET_ALIAS = (
    "mutation($input: SetArtifactAliasInput!) { setArtifactAlias(input: $input) {"
    " version { aliases } errors { code message field } } }"
)

REMOVE_ALIAS = (
    "mutation($input: RemoveArtifactAliasInput!) { removeArtifactAlias(input: $input) {"
    " errors { code message field } } }"
)

DELETE_VERSION = (
    "mutation($input: DeleteArtifactVersionInput!) { deleteArtifactVersion(input: $input) {"
    " deletedVersionId errors { code message field } } }"
)

SET_TTL = (
    "mutation($input: SetArtifactVersionTtlInput!) { setArtifactVersionTtl(input: $input) {"
    f" version {{ {VERSION_FIELDS} }} errors {{ code message field }} }} }}"
)

ARTIFACT_FIELDS = "id name type path description tags"

UPDATE_VERSION = (
    "mutation($input: UpdateArtifactVersionInput!) { updateArtifactVersion(input: $input) {"
    f" version {{ {VERSION_FIELDS} }} errors {{ code message field }} }} }}"
)

UPDATE_ARTIFACT = (
    "mutation($input: UpdateArtifactInput!) { updateArtifact(input: $input) {"
    f" artifact {{ {ARTIFACT_FIELDS} }} errors {{ code message field }} }} }}"
)

ARTIFACT_BY_PATH = f"query($path: String!) {{ artifact(path: $path) {{ {ARTIFACT_FIELDS} }} }}"
