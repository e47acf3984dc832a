"""The built app and GraphiQL are served from local files, with the security headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from api.web.headers import CONTENT_SECURITY_POLICY, GRAPHIQL_CONTENT_SECURITY_POLICY
from api.web.pages import STATIC_DIR, asset_file

PAGE_PATHS = [
    "/",
    "/signin",
    "/lineage/acme/vision/model:v3",
    "/lineage/0123456789abcdef0123456789abcdef",
    "/orgs/acme/projects/vision",
    "/orgs/acme/registries/models/collections/detector",
    "/anything/else?with=query",
]


@pytest.mark.parametrize("path", PAGE_PATHS)
async def test_every_page_path_is_the_app(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert "app-page" in response.text


async def test_page_paths_answer_only_get_and_head(web: httpx.AsyncClient) -> None:
    """Other methods find nothing there: a 404 like an unknown API path (a client POSTing
    GraphQL to a wrong base URL is told that nothing is there, not to use GET)."""
    assert (await web.head("/lineage/x")).status_code == 200
    for method in ("POST", "PUT", "DELETE"):
        answer = await web.request(method, "/elsewhere/graphql", json={})
        assert answer.status_code == 404, (method, answer.text)


@pytest.mark.parametrize("path", ["/auth/other", "/blobs/a/b", "/graphql/x", "/assets/"])
async def test_api_prefixes_never_fall_back_to_the_app(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 404
    assert "app-page" not in response.text


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app-abc123.js", "text/javascript; charset=utf-8"),
        ("app-abc123.css", "text/css; charset=utf-8"),
        ("fonts/inter-x1.woff2", "font/woff2"),
        ("logo-x2.svg", "image/svg+xml"),
    ],
)
async def test_assets_have_their_type_and_are_cached_for_good(
    web: httpx.AsyncClient, static_dir: Path, name: str, content_type: str
) -> None:
    response = await web.get(f"/assets/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == (static_dir / "assets" / name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/assets/missing-1.js",
        "/assets/../index.html",
        "/assets/%2e%2e/index.html",
        "/assets/..%2F..%2Fsecret.txt",
        "/assets/fonts/..%2F..%2F..%2Fsecret.txt",
        "/assets/%2Fetc%2Fpasswd",
        "/assets/..\\..\\secret.txt",
    ],
)
async def test_missing_assets_and_escapes_are_404(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code in (200, 404)
    # httpx normalises a literal `..` away (the request is then for a page); nothing ever
    # answers with a file from outside assets/
    assert "not for the web" not in response.text
    if response.status_code == 200:
        assert "app-page" in response.text
    assert response.headers.get("cache-control") != "public, max-age=31536000, immutable"


async def test_escapes_sent_raw_are_refused(static_dir: Path) -> None:
    assert asset_file(static_dir, "app-abc123.js") is not None
    for escape in [
        "../index.html",
        "../../secret.txt",
        "/etc/passwd",
        "fonts/../../index.html",
        "",
        ".",
        "fonts",
        "fonts/../app-abc123.js",
    ]:
        assert asset_file(static_dir, escape) is None, escape
    outside = static_dir / "assets" / "link.txt"
    outside.symlink_to(static_dir.parent / "secret.txt")
    assert asset_file(static_dir, "link.txt") is None


async def test_browsers_get_graphiql_and_clients_get_graphql(web: httpx.AsyncClient) -> None:
    page = await web.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert 'id="graphiql"' in page.text
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    answer = await web.post("/graphql", json={"query": "{ __typename }"})
    assert answer.json() == {"data": {"__typename": "Query"}}
    query = await web.get("/graphql", params={"query": "{ __typename }"})
    assert query.json() == {"data": {"__typename": "Query"}}


async def test_every_response_carries_the_security_headers(web: httpx.AsyncClient) -> None:
    responses = [
        await web.get("/"),
        await web.get("/assets/app-abc123.js"),
        await web.get("/assets/missing.js"),
        await web.post("/graphql", json={"query": "{ __typename }"}),
        await web.get("/auth/session"),
        await web.get("/healthz"),
    ]
    for response in responses:
        headers = response.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
    policy = dict(
        part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";") if part.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"


async def test_graphiql_alone_may_use_inline_styles(web: httpx.AsyncClient) -> None:
    page = await web.get("/graphql", headers={"accept": "text/html"})
    assert page.headers["content-security-policy"] == GRAPHIQL_CONTENT_SECURITY_POLICY
    assert "style-src 'self' 'unsafe-inline';" in GRAPHIQL_CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in GRAPHIQL_CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_an_unbuilt_checkout_says_how_to_build(
    web_app: Callable[..., httpx.AsyncClient], tmp_path: Path
) -> None:
    async with web_app(static=tmp_path / "never-built") as client:
        for response in [
            await client.get("/"),
            await client.get("/lineage/a/b/c"),
            await client.get("/graphql", headers={"accept": "text/html"}),
        ]:
            assert response.status_code == 503
            assert "cd web && npm ci && npm run build" in response.text
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}


def test_the_real_build_is_served_when_present() -> None:
    """The committed bundle references only assets that exist (a stale index.html would be a
    blank page)."""
    index = STATIC_DIR / "index.html"
    if not index.exists():
        pytest.skip("web app not built in this checkout")
    for page in ("index.html", "graphiql.html"):
        html = (STATIC_DIR / page).read_text()
        for reference in re.findall(r'(?:src|href)="(/[^"]+)"', html):
            assert reference.startswith("/assets/"), reference
            assert (STATIC_DIR / reference.lstrip("/")).is_file(), reference
