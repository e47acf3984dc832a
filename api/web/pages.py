"""The built web app: hashed assets under /assets/, index.html for every other page path (the
app routes in the browser), and the local GraphiQL page at GET /graphql for browsers.

Assets are named by their content hash, so they are cached for a year; the two HTML pages are
revalidated on every load (`no-cache`) so a new build is picked up at once. A source checkout
that was never built answers 503 saying how to build, instead of a blank page.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.web.headers import GRAPHIQL_CONTENT_SECURITY_POLICY

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Vite's output (`web/vite.config.ts` writes here)."""

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
"""The fallback route takes every method, so that a wrong path is a 404 whatever the method."""

API_PREFIXES = ("/graphql/", "/auth/", "/blobs/", "/assets/", "/files/", "/manifests/", "/api/")
"""Paths below these are the API's (or missing assets): 404, never the app's page."""

NOT_BUILT = (
    "The web app is not built in this checkout: run `cd web && npm ci && npm run build` "
    "(it writes api/web/static/), then reload. The API at /graphql works without it.\n"
)

ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "no-cache"

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
}
"""Fixed here rather than taken from the system's mime.types, which differs between hosts (and a
wrong type on a module script stops the app, with nosniff)."""


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def asset_file(static_dir: Path, relative: str) -> Path | None:
    """The file under `static_dir/assets` named by `relative`, or None when it is missing or
    the name tries to leave that folder (`..`, absolute paths, symlinks out)."""
    parts = PurePosixPath(relative).parts
    if not parts or any(part in ("", ".", "..") or "\\" in part for part in parts):
        return None
    root = (static_dir / "assets").resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def html_page(static_dir: Path, name: str, policy: str | None = None) -> Response:
    """One of the built HTML pages, revalidated on every load; 503 when the app is not built.
    `policy`: a Content-Security-Policy of its own instead of the app's."""
    path = static_dir / name
    if not path.is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503)
    headers = {"cache-control": PAGE_CACHE}
    if policy is not None:
        headers["content-security-policy"] = policy
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=headers)


def not_found() -> Response:
    return PlainTextResponse("Not Found\n", status_code=404)


def page_routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """/assets/{path} and the app's page for every other GET path; mount these last."""

    async def asset(request: Request) -> Response:
        found = asset_file(static_dir, request.path_params["path"])
        if found is None:
            return not_found()
        return FileResponse(
            found, media_type=content_type(found), headers={"cache-control": ASSET_CACHE}
        )

    async def app_page(request: Request) -> Response:
        # Any other method on a path that is no route is a 404 like an unknown API path (a
        # client POSTing to a wrong base URL learns that nothing is there, not "use GET").
        if request.method not in ("GET", "HEAD") or request.url.path.startswith(API_PREFIXES):
            return not_found()
        return html_page(static_dir, "index.html")

    return [
        Route("/assets/{path:path}", asset, methods=["GET", "HEAD"]),
        Route("/{path:path}", app_page, methods=ANY_METHOD),
    ]


class WithGraphiQL:
    """/graphql: the local GraphiQL page for a browser's navigation (GET, Accept text/html, no
    `query` parameter), the GraphQL app for everything else."""

    def __init__(self, graphql: ASGIApp, static_dir: Path = STATIC_DIR) -> None:
        self.graphql = graphql
        self.static_dir = static_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and wants_graphiql(scope):
            page = html_page(self.static_dir, "graphiql.html", GRAPHIQL_CONTENT_SECURITY_POLICY)
            await page(scope, receive, send)
            return
        await self.graphql(scope, receive, send)


def wants_graphiql(scope: Scope) -> bool:
    if scope["method"] not in ("GET", "HEAD"):
        return False
    if "query" in parse_qs(scope.get("query_string", b"").decode("latin-1")):
        return False
    return "text/html" in Headers(scope=scope).get("accept", "")
