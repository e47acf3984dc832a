"""Global ids of artifact objects, as the `node(id:)` field and mutation inputs use them."""

from __future__ import annotations

from strawberry import relay

from graph.core.errors import InvalidInput


def global_id(type_name: str, node_id: str) -> str:
    return str(relay.GlobalID(type_name, node_id))


def node_id_of(value: str, type_name: str, *, field: str) -> str:
    """The node id inside a global id of `type_name`; INVALID_INPUT for anything else."""
    try:
        decoded = relay.GlobalID.from_id(value)
    except (relay.GlobalIDValueError, ValueError, UnicodeDecodeError):
        raise InvalidInput(f"Not a {type_name} id: {value[:100]!r}", field=field) from None
    if decoded.type_name != type_name or not decoded.node_id:
        raise InvalidInput(f"Not a {type_name} id: {value[:100]!r}", field=field)
    return decoded.node_id
