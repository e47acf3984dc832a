"""The OpenLineage HTTP endpoints: STUB, to be written."""

from __future__ import annotations

from starlette.routing import BaseRoute


def openlineage_routes() -> list[BaseRoute]:
    return []
