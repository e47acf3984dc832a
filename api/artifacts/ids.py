"""Global ids of artifact objects, as the `node(id:)` field and mutation inputs use them."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry import relay

from graph.core.errors import InvalidInput

SAME_OBJECT: dict[str, tuple[str, ...]] = {
    "ArtifactVersion": ("ArtifactVersion", "LineageVersion"),
}
"""Types whose global ids name the same stored object: a `LineageVersion` is the lineage view of
an `ArtifactVersion`, so either id is taken wherever a version is."""


def global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name, node_id))


def typed_node_id(value: str, type_names: Iterable[str]) -> str | None:
    """The node id inside `value` when it is a global id of one of `type_names`, else None."""
    try:
        decoded = relay.GlobalID.from_id(value)
    except (relay.GlobalIDValueError, ValueError, UnicodeDecodeError):
        return None
    if decoded.type_name not in tuple(type_names) or not decoded.node_id:
        return None
    return decoded.node_id


def node_id_of(value: str, type_name: str, *, field: str) -> str:
    """The node id inside a global id of `type_name` (or of a type naming the same object, see
    `SAME_OBJECT`); INVALID_INPUT for anything else."""
    found = typed_node_id(value, SAME_OBJECT.get(type_name, (type_name,)))
    if found is None:
        raise InvalidInput(f"Not a {type_name} id: {value[:100]!r}", field=field)
    return found
