"""The GraphQL documents the registry SDK sends (values always as variables)."""

from __future__ import annotations

REGISTRY_VERSION_FIELDS = """
  id index version path aliases linkedAt linkedBy artifactType digest fileCount description
  createdAt sourcePath sourceVersionId artifactName projectName producingRunId producingRunName
  collection { name path }
"""

COLLECTION_FIELDS = """
  id name type description tags createdAt createdBy versionCount path registry { name }
"""

REGISTRY_FIELDS = """
  id name description acceptsAnyType acceptedTypes visibility protectedAliases isCore createdAt
  path
"""

ERRORS = "errors { code message field }"

LINK = (
    "mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) {"
    f" created collectionCreated registryVersion {{ {REGISTRY_VERSION_FIELDS} }} {ERRORS} }} }}"
)

UNLINK = (
    "mutation($input: UnlinkArtifactInput!) { unlinkArtifact(input: $input) {"
    f" unlinkedIndex removedAliases {ERRORS} }} }}"
)

SET_ALIAS = (
    "mutation($input: SetCollectionAliasInput!) { setCollectionAlias(input: $input) {"
    f" registryVersion {{ {REGISTRY_VERSION_FIELDS} }} {ERRORS} }} }}"
)

REMOVE_ALIAS = (
    "mutation($input: RemoveCollectionAliasInput!) { removeCollectionAlias(input: $input) {"
    f" removed {ERRORS} }} }}"
)

VERSION_BY_PATH = (
    "query($path: String!, $asOf: DateTime) {"
    f" registryVersion(path: $path, asOf: $asOf) {{ {REGISTRY_VERSION_FIELDS} }} }}"
)

COLLECTION_BY_PATH = (
    f"query($path: String!) {{ registryCollection(path: $path) {{ {COLLECTION_FIELDS} }} }}"
)

COLLECTIONS = (
    "query($org: String!, $registry: String!, $filter: CollectionFilter,"
    " $order: CollectionOrder!, $first: Int, $after: String) {"
    " registry(organization: $org, name: $registry) {"
    " collections(filter: $filter, orderBy: $order, first: $first, after: $after) {"
    f" totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {COLLECTION_FIELDS} }} }}"
    " } } }"
)

VERSIONS = (
    "query($path: String!, $first: Int, $after: String) {"
    " registryCollection(path: $path) { versions(first: $first, after: $after) {"
    " totalCount pageInfo { hasNextPage endCursor }"
    f" edges {{ node {{ {REGISTRY_VERSION_FIELDS} }} }} }} }} }}"
)

REGISTRIES = (
    "query($org: String!, $first: Int, $after: String) {"
    " registries(organization: $org, first: $first, after: $after) {"
    f" pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {REGISTRY_FIELDS} }} }} }} }}"
)

CREATE_REGISTRY = (
    "mutation($input: CreateRegistryInput!) { createRegistry(input: $input) {"
    f" registry {{ {REGISTRY_FIELDS} }} {ERRORS} }} }}"
)

CREATE_COLLECTION = (
    "mutation($input: CreateCollectionInput!) { createCollection(input: $input) {"
    f" collection {{ {COLLECTION_FIELDS} }} {ERRORS} }} }}"
)
