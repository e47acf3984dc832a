"""Artifact paths: `org/project/name` names an artifact; a selector after `:` names a version.

    org/project/name            the version `latest` points at
    org/project/name:v3         the version with index 3
    org/project/name:best       the version the alias `best` points at
    org/project/name:<sha256>   the committed version with that manifest digest

Alias names are validated so a selector is never ambiguous: they cannot look like `vN` or a digest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from graph.artifacts.errors import InvalidPath
from graph.core.names import InvalidName, validate_name

LATEST = "latest"
_INDEX = re.compile(r"v(0|[1-9][0-9]{0,17})")
_DIGEST = re.compile(r"[0-9a-f]{64}")


class SelectorKind(Enum):
    ALIAS = "alias"
    INDEX = "index"
    DIGEST = "digest"


@dataclass(frozen=True)
class ArtifactKey:
    """An artifact by name: `org/project/name`."""

    org: str
    project: str
    name: str

    def __str__(self) -> str:
        return f"{self.org}/{self.project}/{self.name}"


@dataclass(frozen=True)
class VersionRef:
    """A version by path: the artifact and how to pick one of its versions."""

    artifact: ArtifactKey
    kind: SelectorKind
    value: str

    @property
    def index(self) -> int:
        assert self.kind is SelectorKind.INDEX
        return int(self.value[1:])


def parse_artifact_path(path: str, *, field: str = "path") -> ArtifactKey:
    """`org/project/name` -> ArtifactKey; INVALID_PATH when it does not have three valid parts."""
    if not isinstance(path, str):
        raise InvalidPath("An artifact path must be a string", field=field)
    parts = path.split("/")
    if len(parts) != 3:
        raise InvalidPath(
            f"Expected 'organization/project/artifact', got {path[:200]!r}", field=field
        )
    try:
        for part, what in zip(parts, ("organization", "project", "artifact"), strict=True):
            validate_name(part, field=what)
    except InvalidName as error:
        raise InvalidPath(f"{error.message} in {path[:200]!r}", field=field) from None
    return ArtifactKey(*parts)


def parse_version_path(path: str, *, field: str = "path") -> VersionRef:
    """`org/project/name[:selector]` -> VersionRef; no selector means the alias `latest`."""
    if not isinstance(path, str):
        raise InvalidPath("A version path must be a string", field=field)
    artifact_path, sep, selector = path.partition(":")
    key = parse_artifact_path(artifact_path, field=field)
    if not sep:
        return VersionRef(key, SelectorKind.ALIAS, LATEST)
    if _INDEX.fullmatch(selector):
        return VersionRef(key, SelectorKind.INDEX, selector)
    if _DIGEST.fullmatch(selector):
        return VersionRef(key, SelectorKind.DIGEST, selector)
    try:
        validate_name(selector, field="alias")
    except InvalidName:
        raise InvalidPath(
            f"Expected ':vN', ':<alias>' or ':<sha256>' after the artifact, got {path[:200]!r}",
            field=field,
        ) from None
    return VersionRef(key, SelectorKind.ALIAS, selector)


def validate_alias(alias: str, *, field: str = "alias") -> str:
    """An alias name: a valid name that cannot be read as `vN` or as a digest."""
    validate_name(alias, field=field)
    if _INDEX.fullmatch(alias) or re.fullmatch(r"v[0-9]+", alias) or _DIGEST.fullmatch(alias):
        raise InvalidName(f"Alias {alias!r} would read as a version index or digest", field=field)
    return alias


def version_path(org: str, project: str, name: str, index: int) -> str:
    return f"{org}/{project}/{name}:v{index}"
