"""Bounds on size: request bodies before they are read, GraphQL answers before they are sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.errors import ErrorCode


class BodySizeLimit:
    """Applies to every path except the signed blob upload route, which streams to disk."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt_prefix: str = "/blobs/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefix = exempt_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Request body larger than {self.max_bytes} bytes",
                        "extensions": {"code": "LIMIT_EXCEEDED"},
                    }
                ]
            },
            status_code=413,
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class ResponseSizeLimit(SchemaExtension):
    """Replace an answer larger than `Settings.max_response_bytes` by one LIMIT_EXCEEDED error.

    The query cost estimate refuses most oversized requests before they run; this bounds what
    it cannot see (large JSON fields, long strings). The answer is refused whole, never cut
    off: a client gets all of it or a coded error. A mutation has been applied by then, and its
    error says so, so that the caller reads the result instead of repeating the write.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result = context.result
        settings = getattr(context.context, "settings", None)
        limit = getattr(settings, "max_response_bytes", None)
        if result is None or not isinstance(limit, int):
            return
        size = self.measure(result.data, result.errors or [])
        if size <= limit:
            return
        message = (
            f"The answer ({size} bytes) is larger than the {limit} bytes a response may "
            "hold (LINEAGE_MAX_RESPONSE_BYTES)"
        )
        if _operation_type(context) is OperationType.MUTATION:
            message = f"The mutation was applied, but {message[0].lower()}{message[1:]}; "
            message += "read what it changed with a narrower query"
        else:
            message += "; ask for smaller pages, fewer fields or fewer aliases"
        result.data = None
        result.errors = [GraphQLError(message, extensions={"code": ErrorCode.LIMIT_EXCEEDED.value})]

    @staticmethod
    def measure(data: Any, errors: list[GraphQLError]) -> int:
        """The size of the answer as the GraphQL view encodes it (compact, ASCII-escaped)."""
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = [error.formatted for error in errors]
        return len(json.dumps(body, separators=(",", ":"), default=str))


def _operation_type(context: Any) -> OperationType | None:
    try:
        kind: OperationType = context.operation_type
    except RuntimeError:  # no document: nothing ran
        return None
    return kind
