"""Registries in the SDK: link versions into collections, fetch and download them by path.

    version = lineage.get_artifact("acme/vision/resnet:latest")
    linked = lineage.link_artifact(version, "acme/registry-model/classifiers", aliases=["staging"])
    prod = lineage.registry_version("acme/registry-model/classifiers:production")
    root = prod.download()                      # the source version's files, sha256-checked
    for collection in lineage.collections("acme", "model", tags_any=["vision"]):
        for v in collection.versions(): ...

Paths are `{org}/registry-{registry}/{collection}[:vN|:alias]`; the `wandb-registry-` prefix
is accepted too. Lists are iterators that fetch one page at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineage import registry_queries as q
from lineage.client import Client, default_client
from lineage.errors import LineageError
from lineage.traversal import iso

if TYPE_CHECKING:
    from lineage.artifact_version import ArtifactFile, ArtifactVersion

PAGE = 100


class RegistryVersion:
    """A version as linked into a collection (a snapshot of its fields when fetched)."""

    def __init__(self, data: dict[str, Any], client: Client | None = None) -> None:
        self.client = client or default_client()
        self.created: bool | None = None
        """After `link_artifact`: False when the version was already linked (nothing changed)."""
        self._set(data)

    def _set(self, data: dict[str, Any]) -> None:
        self.id: str = data["id"]
        self.index: int = data["index"]
        self.version: str = data["version"]
        self.path: str = data["path"]
        self.aliases: list[str] = data.get("aliases") or []
        self.linked_at: str = data["linkedAt"]
        self.linked_by: str = data["linkedBy"]
        self.type: str = data["artifactType"]
        self.digest: str | None = data.get("digest")
        self.file_count: int | None = data.get("fileCount")
        self.description: str | None = data.get("description")
        self.source_path: str = data["sourcePath"]
        self.source_version_id: str = data["sourceVersionId"]
        self.producing_run_id: str | None = data.get("producingRunId")
        self.producing_run_name: str | None = data.get("producingRunName")
        self.collection_name: str = data["collection"]["name"]
        self.collection_path: str = data["collection"]["path"]

    def __repr__(self) -> str:
        return f"RegistryVersion({self.path!r}, source={self.source_path!r})"

    def artifact(self) -> ArtifactVersion:
        """The source ArtifactVersion (its files, metadata, lineage)."""
        from lineage import artifact_queries
        from lineage.artifact_version import ArtifactVersion

        data = self.client.execute(artifact_queries.VERSION_BY_ID, {"id": self.source_version_id})
        if data.get("node") is None:
            raise LineageError("NOT_FOUND", f"the source of {self.path} is not readable")
        return ArtifactVersion(data["node"], self.client)

    def files(self) -> Iterator[ArtifactFile]:
        return self.artifact().files()

    def download(self, root: str | os.PathLike[str] | None = None, **options: Any) -> Path:
        """Download the files into `root` (default `./artifacts/<collection>-v<N>`), verified."""
        target = root if root is not None else Path("artifacts") / self.path_stem
        return self.artifact().download(target, **options)

    @property
    def path_stem(self) -> str:
        return f"{self.collection_name}-v{self.index}"

    def set_alias(self, alias: str) -> RegistryVersion:
        """Point the collection alias `alias` at this version (moves it if set elsewhere)."""
        payload = self.client.mutate(
            q.SET_ALIAS, {"input": {"path": self.path, "alias": alias}}, "setCollectionAlias"
        )
        self._set(payload["registryVersion"])
        return self

    def remove_alias(self, alias: str) -> bool:
        """Remove a collection alias (whichever version it names); False if there was none."""
        payload = self.client.mutate(
            q.REMOVE_ALIAS,
            {"input": {"collectionPath": self.collection_path, "alias": alias}},
            "removeCollectionAlias",
        )
        self.aliases = [a for a in self.aliases if a != alias]
        return bool(payload["removed"])

    def unlink(self) -> None:
        """Remove this version from its collection (the source version stays in its project)."""
        self.client.mutate(q.UNLINK, {"input": {"path": self.path}}, "unlinkArtifact")


class Collection:
    """A collection of a registry; `versions()` pages through its linked versions."""

    def __init__(self, data: dict[str, Any], client: Client | None = None) -> None:
        self.client = client or default_client()
        self.id: str = data["id"]
        self.name: str = data["name"]
        self.type: str = data["type"]
        self.description: str = data.get("description") or ""
        self.tags: list[str] = data.get("tags") or []
        self.created_at: str = data["createdAt"]
        self.created_by: str = data["createdBy"]
        self.version_count: int = data["versionCount"]
        self.path: str = data["path"]
        self.registry: str = data["registry"]["name"]

    def __repr__(self) -> str:
        return f"Collection({self.path!r}, type={self.type!r}, versions={self.version_count})"

    def versions(self, *, page_size: int = PAGE) -> Iterator[RegistryVersion]:
        """Linked versions, most recently linked first."""
        field = ("registryCollection", "versions")
        for node in _pages(self.client, q.VERSIONS, {"path": self.path}, field, page_size):
            yield RegistryVersion(node, self.client)

    def version(self, selector: str = "latest") -> RegistryVersion:
        """The version `vN` or an alias names here."""
        return registry_version(f"{self.path}:{selector}", client=self.client)

    def delete(self, *, unlink_versions: bool = False) -> DeletedCollection:
        """Like `lineage.delete_collection(collection.path, ...)`."""
        return delete_collection(self.path, unlink_versions=unlink_versions, client=self.client)


class Registry:
    def __init__(self, org: str, data: dict[str, Any], client: Client | None = None) -> None:
        self.client = client or default_client()
        self.org = org
        self.id: str = data["id"]
        self.name: str = data["name"]
        self.description: str = data.get("description") or ""
        self.accepts_any_type: bool = data["acceptsAnyType"]
        self.accepted_types: list[str] = data.get("acceptedTypes") or []
        self.visibility: str = data["visibility"]
        self.protected_aliases: list[str] = data.get("protectedAliases") or []
        self.is_core: bool = data["isCore"]
        self.path: str = data["path"]

    def __repr__(self) -> str:
        return f"Registry({self.path!r})"

    def collections(self, **search: Any) -> Iterator[Collection]:
        """Like `lineage.collections(org, registry, ...)`."""
        return collections(self.org, self.name, client=self.client, **search)

    def delete(self) -> list[str]:
        """Like `lineage.delete_registry(registry.org, registry.name)`."""
        return delete_registry(self.org, self.name, client=self.client)


def _version_ref(version: Any) -> dict[str, str]:
    """An SDK version handle, `org/project/name:alias` path, or version id, as link input."""
    if isinstance(version, str):
        return {"artifactPath": version} if "/" in version else {"artifactVersionId": version}
    version_id = getattr(version, "id", None)
    if isinstance(version_id, str):
        return {"artifactVersionId": version_id}
    raise TypeError("version must be an ArtifactVersion, a path 'org/project/name:vN', or an id")


def link_artifact(
    version: Any,
    target_path: str,
    aliases: list[str] | None = None,
    *,
    client: Client | None = None,
) -> RegistryVersion:
    """Link a committed version into `target_path` (`org/registry-name/collection`).

    The collection is created on the first link if its registry exists. Linking a version that
    is already there returns it unchanged (`created` is False). Refusals raise LineageError with
    the server's code: NOT_FOUND (the registry), TYPE_NOT_ACCEPTED, PROTECTED_ALIAS, ...
    """
    client = client or default_client()
    payload = client.mutate(
        q.LINK,
        {"input": {**_version_ref(version), "targetPath": target_path, "aliases": aliases or []}},
        "linkArtifact",
    )
    linked = RegistryVersion(payload["registryVersion"], client)
    linked.created = payload["created"]
    return linked


def unlink_artifact(path: str, *, client: Client | None = None) -> None:
    """Remove the version `org/registry-name/collection:vN` (or `:alias`) names."""
    (client or default_client()).mutate(q.UNLINK, {"input": {"path": path}}, "unlinkArtifact")


DELETE_COLLECTION = (
    "mutation($input: DeleteCollectionInput!) { deleteCollection(input: $input) {"
    f" path unlinkedVersions removedAliases {q.ERRORS} }} }}"
)


@dataclass(frozen=True)
class DeletedCollection:
    path: str
    unlinked_versions: int
    removed_aliases: list[str]


def delete_collection(
    path: str, *, unlink_versions: bool = False, client: Client | None = None
) -> DeletedCollection:
    """Delete the collection `org/registry-name/collection` with its aliases and their history.

    While versions are linked it is refused (LineageError HAS_LINKED_VERSIONS) unless
    `unlink_versions`: then they are unlinked first; the versions stay in their projects.
    Needs admin rights on the registry (FORBIDDEN otherwise).
    """
    client = client or default_client()
    payload = client.mutate(
        DELETE_COLLECTION,
        {"input": {"path": path, "unlinkVersions": unlink_versions}},
        "deleteCollection",
    )
    return DeletedCollection(
        payload["path"], payload["unlinkedVersions"], list(payload["removedAliases"])
    )


DELETE_REGISTRY = (
    "mutation($input: DeleteRegistryInput!) { deleteRegistry(input: $input) {"
    f" removedRoles {q.ERRORS} }} }}"
)


def delete_registry(org: str, name: str, *, client: Client | None = None) -> list[str]:
    """Delete the empty custom registry `name` of `org` with its role grants; the users whose
    role was removed. The name is free again afterwards.

    Raises LineageError: HAS_COLLECTIONS while it holds collections (delete them first),
    CORE_REGISTRY for `model` and `dataset`, NOT_FOUND, FORBIDDEN (needs registry admin).
    """
    payload = (client or default_client()).mutate(
        DELETE_REGISTRY, {"input": {"organization": org, "name": name}}, "deleteRegistry"
    )
    return list(payload["removedRoles"])


def registry_version(
    path: str, *, as_of: datetime | None = None, client: Client | None = None
) -> RegistryVersion:
    """The linked version a registry path names (no selector: `latest`; `as_of`: named then);
    NOT_FOUND if none."""
    client = client or default_client()
    data = client.execute(q.VERSION_BY_PATH, {"path": path, "asOf": iso(as_of)})["registryVersion"]
    if data is None:
        raise LineageError("NOT_FOUND", f"no registry version at {path}")
    return RegistryVersion(data, client)


def collection(path: str, *, client: Client | None = None) -> Collection:
    """The collection at `org/registry-name/collection`; NOT_FOUND if none."""
    client = client or default_client()
    data = client.execute(q.COLLECTION_BY_PATH, {"path": path})["registryCollection"]
    if data is None:
        raise LineageError("NOT_FOUND", f"no collection at {path}")
    return Collection(data, client)


def collections(
    org: str,
    registry: str,
    *,
    name: str | None = None,
    name_prefix: str | None = None,
    name_contains: str | None = None,
    description_contains: str | None = None,
    ignore_case: bool = False,
    type: str | None = None,
    tags_any: list[str] | None = None,
    tags_all: list[str] | None = None,
    created_after: datetime | str | None = None,
    created_before: datetime | str | None = None,
    newest_first: bool = False,
    page_size: int = PAGE,
    client: Client | None = None,
) -> Iterator[Collection]:
    """Collections of a registry matching every given condition, by name (or newest first)."""
    client = client or default_client()
    text = {"eq": name, "prefix": name_prefix, "contains": name_contains}
    search: dict[str, Any] = {
        "name": _text(text, ignore_case),
        "description": _text({"contains": description_contains}, ignore_case),
        "type": type,
        "tagsAny": tags_any,
        "tagsAll": tags_all,
        "createdAfter": _time(created_after),
        "createdBefore": _time(created_before),
    }
    variables = {
        "org": org,
        "registry": registry,
        "filter": {k: v for k, v in search.items() if v is not None},
        "order": "NEWEST" if newest_first else "NAME",
    }
    missing = f"no registry {registry!r} in {org!r}"
    pages = _pages(
        client, q.COLLECTIONS, variables, ("registry", "collections"), page_size, missing
    )
    for node in pages:
        yield Collection(node, client)


def registries(org: str, *, client: Client | None = None) -> list[Registry]:
    """The registries of `org` the caller may read: `dataset`, `model`, then custom ones."""
    client = client or default_client()
    return [
        Registry(org, node, client)
        for node in _pages(client, q.REGISTRIES, {"org": org}, ("registries",), PAGE)
    ]


def create_registry(
    org: str,
    name: str,
    *,
    accepted_types: list[str] | None = None,
    description: str = "",
    restricted: bool = False,
    protected_aliases: list[str] | None = None,
    client: Client | None = None,
) -> Registry:
    """Create a custom registry accepting `accepted_types` (None: any type)."""
    client = client or default_client()
    payload = client.mutate(
        q.CREATE_REGISTRY,
        {
            "input": {
                "organization": org,
                "name": name,
                "description": description,
                "acceptedTypes": accepted_types or [],
                "acceptsAnyType": accepted_types is None,
                "visibility": "RESTRICTED" if restricted else "ORGANIZATION",
                "protectedAliases": protected_aliases or [],
            }
        },
        "createRegistry",
    )
    return Registry(org, payload["registry"], client)


def _text(ops: dict[str, str | None], ignore_case: bool) -> dict[str, Any] | None:
    given = {k: v for k, v in ops.items() if v is not None}
    if not given:
        return None
    return {**given, "ignoreCase": ignore_case}


def _time(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _pages(
    client: Client,
    query: str,
    variables: dict[str, Any],
    field_path: tuple[str, ...],
    page_size: int,
    missing: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every node of a connection, one request per page; `missing` (NOT_FOUND) or nothing when
    the object holding the connection does not exist."""
    after: str | None = None
    while True:
        data: Any = client.execute(query, {**variables, "first": page_size, "after": after})
        for key in field_path:
            data = data[key]
            if data is None:
                if missing is not None:
                    raise LineageError("NOT_FOUND", missing)
                return
        for edge in data["edges"]:
            yield edge["node"]
        if not data["pageInfo"]["hasNextPage"]:
            return
        after = data["pageInfo"]["endCursor"]
