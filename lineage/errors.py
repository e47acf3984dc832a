"""Errors the SDK raises: one class, carrying the server's stable error `code`."""

from __future__ import annotations


class LineageError(Exception):
    """A request the server refused or could not complete; `code` is the stable ErrorCode.

    `UNAVAILABLE` (with `url`, the endpoint called) when no Lineage API answered there: the
    server is down or unreachable, or the URL names something else.
    """

    def __init__(
        self, code: str, message: str, field: str | None = None, *, url: str | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field
        self.url = url
