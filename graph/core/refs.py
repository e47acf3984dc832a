"""Paths that name an artifact, one of its versions, or a registry collection: one grammar.

    org/project/name                 an artifact; as a version, the one `latest` names
    org/project/name:vN              the version with index N
    org/project/name:<alias>         the version the alias points at
    org/project/name:<sha256>        the committed version with that manifest digest
    org/registry-r/c                 a collection of the registry `r`
    org/registry-r/c:vN | :<alias>   one version linked to it (no selector: `latest`)
    org/wandb-registry-r/c[...]      the same, as W&B spells it; printed back as `registry-r`

Every part is a name (`graph.core.names`). An index is `v` and 1 to 18 digits without leading
zeros; a selector that looks like an index but is not one (`v01`, `v-1`, 19 digits) is refused
rather than read as an alias, and so is an empty one. Where a caller supplies defaults (lineage:
the run's own organisation and project), a version path may be relative: `name[:sel]` or
`project/name[:sel]`. A path whose second part starts with `registry-` or `wandb-registry-` is a
registry path. Every failure is `InvalidPath` (INVALID_PATH), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from graph.core.errors import InvalidName, InvalidPath
from graph.core.names import validate_name

LATEST = "latest"
"""The alias meant when a path has no selector."""

INDEX = re.compile(r"v(0|[1-9][0-9]{0,17})")
_INDEX_LIKE = re.compile(r"[vV]-?[0-9]+")  # `V1` too: never an alias, and no index
DIGEST = re.compile(r"[0-9a-f]{64}")
REGISTRY_PREFIX = "registry-"
WANDB_REGISTRY_PREFIX = "wandb-registry-"
MAX_PATH_LENGTH = 512
_SHOWN = 200


class SelectorKind(Enum):
    ALIAS = "alias"
    INDEX = "index"
    DIGEST = "digest"


class Selector(Enum):
    """Whether a path must, may or must not end in `:selector`."""

    FORBIDDEN = "forbidden"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class ArtifactKey:
    """An artifact by name: `org/project/name`."""

    org: str
    project: str
    name: str

    def __str__(self) -> str:
        return artifact_path(self.org, self.project, self.name)


@dataclass(frozen=True)
class VersionRef:
    """A project version by path: the artifact and how to pick one of its versions."""

    artifact: ArtifactKey
    kind: SelectorKind
    value: str

    @property
    def index(self) -> int | None:
        """N of `:vN`, else None."""
        return int(self.value[1:]) if self.kind is SelectorKind.INDEX else None

    @property
    def alias(self) -> str | None:
        return self.value if self.kind is SelectorKind.ALIAS else None

    @property
    def digest(self) -> str | None:
        return self.value if self.kind is SelectorKind.DIGEST else None

    def __str__(self) -> str:
        return f"{self.artifact}:{self.value}"


@dataclass(frozen=True)
class RegistryPath:
    """A collection (`selector` None) or one version linked to it (`vN` or an alias)."""

    org: str
    registry: str
    collection: str
    selector: str | None = None

    @property
    def index(self) -> int | None:
        """The collection index when the selector is `vN`, else None."""
        if self.selector is None:
            return None
        match = INDEX.fullmatch(self.selector)
        return int(match.group(1)) if match else None

    @property
    def alias(self) -> str | None:
        """The alias when the selector names one (not `vN`), else None."""
        return self.selector if self.selector is not None and self.index is None else None

    @property
    def collection_path(self) -> str:
        return collection_path(self.org, self.registry, self.collection)

    def __str__(self) -> str:
        base = self.collection_path
        return base if self.selector is None else f"{base}:{self.selector}"


def artifact_path(org: str, project: str, name: str) -> str:
    return f"{org}/{project}/{name}"


def version_path(org: str, project: str, name: str, index: int) -> str:
    """The canonical path of a project version: `org/project/name:vN`."""
    return f"{artifact_path(org, project, name)}:v{index}"


def collection_path(org: str, registry: str, collection: str) -> str:
    """The canonical path of a collection: `org/registry-r/c`."""
    return f"{org}/{REGISTRY_PREFIX}{registry}/{collection}"


def registry_version_path(org: str, registry: str, collection: str, index: int) -> str:
    """The canonical path of a linked version: `org/registry-r/c:vN`."""
    return f"{collection_path(org, registry, collection)}:v{index}"


def is_index(value: str) -> bool:
    """Whether `value` is a version index selector `vN`."""
    return INDEX.fullmatch(value) is not None


def looks_like_index(value: str) -> bool:
    """Whether `value` reads as an attempt at `vN` (`v7`, `v01`, `v-1`), valid or not."""
    return _INDEX_LIKE.fullmatch(value) is not None


def is_digest(value: str) -> bool:
    """Whether `value` is a sha256 hex digest (lowercase), as a selector names one."""
    return DIGEST.fullmatch(value) is not None


def is_registry_path(path: str) -> bool:
    """Whether `path` is meant as a registry path: its second part starts with a registry prefix."""
    parts = path.split(":", 1)[0].split("/")
    return len(parts) >= 2 and parts[1].startswith((REGISTRY_PREFIX, WANDB_REGISTRY_PREFIX))


def parse_path(
    path: str, *, selector: Selector = Selector.OPTIONAL, field: str = "path"
) -> VersionRef | RegistryPath:
    """A full version path or a registry path, told apart by `is_registry_path`."""
    if isinstance(path, str) and is_registry_path(path):
        return parse_registry_path(path, selector=selector, field=field)
    return parse_version_path(path, selector=selector, field=field)


def parse_artifact_path(path: str, *, field: str = "path") -> ArtifactKey:
    """`org/project/name` -> ArtifactKey; no selector allowed."""
    _check_text(path, "artifact", "'<org>/<project>/<name>'", field)
    base, sep, chosen = path.partition(":")
    _check_selector(path, "artifact", sep, chosen, Selector.FORBIDDEN, field)
    return _artifact_key(base, path, "artifact", None, None, field)


def parse_version_path(
    path: str,
    *,
    selector: Selector = Selector.OPTIONAL,
    org: str | None = None,
    project: str | None = None,
    field: str = "path",
) -> VersionRef:
    """`org/project/name[:vN|:alias|:sha256]` -> VersionRef; no selector means `latest`.

    With `org` (and `project`) given, `project/name` (and `name`) are accepted too and take
    them as defaults.
    """
    shape = _version_shape(org, project, selector)
    _check_text(path, "version", shape, field)
    base, sep, chosen = path.partition(":")
    _check_selector(path, "version", sep, chosen, selector, field)
    key = _artifact_key(base, path, "version", org, project, field, shape)
    if not sep:
        return VersionRef(key, SelectorKind.ALIAS, LATEST)
    kind = _selector_kind(path, "version", chosen, field, digest=True)
    return VersionRef(key, kind, _latest_in_any_case(kind, chosen))


def parse_registry_path(
    path: str, *, selector: Selector = Selector.OPTIONAL, field: str = "path"
) -> RegistryPath:
    """`org/registry-r/c[:vN|:alias]` (or `wandb-registry-r`) -> RegistryPath."""
    shape = _registry_shape(selector)
    _check_text(path, "registry", shape, field)
    base, sep, chosen = path.partition(":")
    parts = base.split("/")
    if len(parts) != 3:
        raise InvalidPath(f"Invalid registry path {_shown(path)}: expected {shape}", field=field)
    org, segment, collection = parts
    registry = _registry_name(segment)
    if registry is None:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: the second part must be "
            f"'{REGISTRY_PREFIX}<name>' or '{WANDB_REGISTRY_PREFIX}<name>'",
            field=field,
        )
    _check_selector(path, "registry", sep, chosen, selector, field)
    _names(
        path,
        "registry",
        ((org, "organization"), (registry, "registry"), (collection, "collection")),
        field,
    )
    if sep:
        kind = _selector_kind(path, "registry", chosen, field, digest=False)
        assert kind is not SelectorKind.DIGEST
        chosen = _latest_in_any_case(kind, chosen)
    return RegistryPath(org, registry, collection, chosen if sep else None)


def _latest_in_any_case(kind: SelectorKind, chosen: str) -> str:
    """`:Latest` and `:LATEST` name `latest`: no alias may be called so in any case (each feature
    refuses them as it refuses `latest`), so reading them as `latest` hides nothing."""
    return LATEST if kind is SelectorKind.ALIAS and chosen.casefold() == LATEST else chosen


def _check_text(path: object, what: str, shape: str, field: str) -> None:
    if not isinstance(path, str) or not path:
        raise InvalidPath(f"Invalid {what} path: expected {shape}", field=field)
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: longer than {MAX_PATH_LENGTH} characters",
            field=field,
        )


def _check_selector(
    path: str, what: str, sep: str, chosen: str, selector: Selector, field: str
) -> None:
    if sep and selector is Selector.FORBIDDEN:
        noun = "a collection" if what == "registry" else "an artifact"
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: name {noun}, without ':{chosen[:_SHOWN]}'",
            field=field,
        )
    if not sep and selector is Selector.REQUIRED:
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: add ':vN' or ':<alias>' to name a version",
            field=field,
        )
    if sep and not chosen:
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: nothing after ':' (use ':vN' or ':<alias>')",
            field=field,
        )


def _artifact_key(
    base: str,
    path: str,
    what: str,
    org: str | None,
    project: str | None,
    field: str,
    shape: str = "'<org>/<project>/<name>'",
) -> ArtifactKey:
    parts = base.split("/")
    if len(parts) == 3:
        org, project, name = parts
    elif len(parts) == 2 and org is not None:
        project, name = parts
    elif len(parts) == 1 and org is not None and project is not None:
        name = parts[0]
    else:
        raise InvalidPath(f"Invalid {what} path {_shown(path)}: expected {shape}", field=field)
    assert org is not None and project is not None
    _names(path, what, ((org, "organization"), (project, "project"), (name, "artifact")), field)
    return ArtifactKey(org, project, name)


def _names(path: str, what: str, parts: tuple[tuple[str, str], ...], field: str) -> None:
    try:
        for value, part in parts:
            validate_name(value, field=part)
    except InvalidName as error:
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: {error.message}", field=field
        ) from None


def _selector_kind(path: str, what: str, chosen: str, field: str, *, digest: bool) -> SelectorKind:
    if is_index(chosen):
        return SelectorKind.INDEX
    if looks_like_index(chosen):
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: {chosen[:_SHOWN]!r} is not a version index "
            "(v0, v1, ...: a lowercase v, at most 18 digits, no leading zeros)",
            field=field,
        )
    if is_digest(chosen):
        if digest:
            return SelectorKind.DIGEST
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: a linked version is named by ':vN' or "
            "':<alias>', not by a digest",
            field=field,
        )
    try:
        validate_name(chosen, field="alias")
    except InvalidName as error:
        raise InvalidPath(
            f"Invalid {what} path {_shown(path)}: expected ':vN', ':<alias>'"
            f"{' or :<sha256>' if digest else ''} after ':' ({error.message})",
            field=field,
        ) from None
    return SelectorKind.ALIAS


def _registry_name(segment: str) -> str | None:
    for prefix in (WANDB_REGISTRY_PREFIX, REGISTRY_PREFIX):
        if segment.startswith(prefix) and len(segment) > len(prefix):
            return segment[len(prefix) :]
    return None


def _version_shape(org: str | None, project: str | None, selector: Selector) -> str:
    if org is not None and project is not None:
        base = "[[<org>/]<project>/]<name>"
    elif org is not None:
        base = "[<org>/]<project>/<name>"
    else:
        base = "<org>/<project>/<name>"
    return _with_selector(base, selector, "':vN', ':<alias>' or ':<sha256>'")


def _registry_shape(selector: Selector) -> str:
    return _with_selector("<org>/registry-<registry>/<collection>", selector, "':vN' or ':<alias>'")


def _with_selector(base: str, selector: Selector, selectors: str) -> str:
    if selector is Selector.REQUIRED:
        return f"'{base}' followed by {selectors}"
    if selector is Selector.OPTIONAL:
        return f"'{base}' optionally followed by {selectors}"
    return f"'{base}'"


def _shown(path: str) -> str:
    return repr(path) if len(path) <= _SHOWN else repr(path[:_SHOWN] + "...")
