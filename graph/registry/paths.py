"""Registry paths: `{org}/registry-{registry}/{collection}[:selector]`, parsed and printed.

Users bring paths from W&B, so the registry segment may also be spelled `wandb-registry-{name}`;
both name the same registry and the canonical form printed back is `registry-{name}`. A selector
is either a collection index `vN` or a collection alias (`latest`, `production`, ...). Parsing is
strict: anything that is not exactly this shape is refused with `INVALID_PATH`, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from graph.core.errors import DomainError
from graph.core.names import InvalidName, validate_name

REGISTRY_PREFIX = "registry-"
WANDB_REGISTRY_PREFIX = "wandb-registry-"
INDEX_SELECTOR = re.compile(r"v(0|[1-9][0-9]{0,17})")
MAX_PATH_LENGTH = 512


class InvalidPath(DomainError):
    code = "INVALID_PATH"


class Selector(Enum):
    """Whether a path must, may or must not end in `:vN` / `:alias`."""

    FORBIDDEN = "forbidden"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class RegistryPath:
    org: str
    registry: str
    collection: str
    selector: str | None = None

    @property
    def index(self) -> int | None:
        """The collection index when the selector is `vN`, else None."""
        if self.selector is None:
            return None
        match = INDEX_SELECTOR.fullmatch(self.selector)
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


def collection_path(org: str, registry: str, collection: str) -> str:
    """The canonical path of a collection."""
    return f"{org}/{REGISTRY_PREFIX}{registry}/{collection}"


def version_path(org: str, registry: str, collection: str, index: int) -> str:
    """The canonical path of one linked version: `{org}/registry-{registry}/{collection}:vN`."""
    return f"{collection_path(org, registry, collection)}:v{index}"


def is_index_selector(value: str) -> bool:
    return INDEX_SELECTOR.fullmatch(value) is not None


def parse_registry_path(
    path: str, *, selector: Selector = Selector.OPTIONAL, field: str = "path"
) -> RegistryPath:
    """Split a registry path into its parts, validating each name; `InvalidPath` otherwise."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(f"Invalid registry path: expected {_shape(selector)}", field=field)
    parts = path.split("/")
    if len(parts) != 3:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: expected {_shape(selector)}", field=field
        )
    org, registry_segment, last = parts
    registry = _registry_name(registry_segment)
    if registry is None:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: the second part must be "
            f"'{REGISTRY_PREFIX}<name>' or '{WANDB_REGISTRY_PREFIX}<name>'",
            field=field,
        )
    collection, sep, chosen = last.partition(":")
    if sep and selector is Selector.FORBIDDEN:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: name a collection, without ':{chosen}'",
            field=field,
        )
    if not sep and selector is Selector.REQUIRED:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: add ':vN' or ':<alias>' to name a version",
            field=field,
        )
    try:
        validate_name(org, field="organization")
        validate_name(registry, field="registry")
        validate_name(collection, field="collection")
        if sep:
            validate_name(chosen, field="alias")
    except InvalidName as error:
        raise InvalidPath(
            f"Invalid registry path {_shown(path)}: {error.message}", field=field
        ) from None
    return RegistryPath(org, registry, collection, chosen if sep else None)


def _registry_name(segment: str) -> str | None:
    for prefix in (WANDB_REGISTRY_PREFIX, REGISTRY_PREFIX):
        if segment.startswith(prefix) and len(segment) > len(prefix):
            return segment[len(prefix) :]
    return None


def _shape(selector: Selector) -> str:
    base = "'<org>/registry-<registry>/<collection>'"
    if selector is Selector.REQUIRED:
        return base[:-1] + ":<vN or alias>'"
    if selector is Selector.OPTIONAL:
        return base + " optionally followed by ':vN' or ':<alias>'"
    return base


def _shown(path: str) -> str:
    return repr(path) if len(path) <= 200 else repr(path[:200] + "...")
