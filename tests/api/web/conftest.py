"""The web app's server side over ASGI: a client that sends no API key (a browser's), a user
with a key to sign in with, and a small built app in a temporary folder."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.context import Services
from api.web.csrf import CSRF_HEADER, SESSION_COOKIE
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import test_settings

ORIGIN = "http://lineage.test"
BROWSER = {"content-type": "application/json", CSRF_HEADER: "1", "origin": ORIGIN}
"""What the app's own pages send with every cookie request."""


@dataclass(frozen=True)
class WebUser:
    id: str
    name: str
    key: str


@pytest.fixture
async def web_user(graph: Graph) -> WebUser:
    user, key = await create_user(graph, f"web-user-{uuid.uuid4().hex[:10]}", with_key=True)
    assert key is not None
    return WebUser(id=user.id, name=user.name, key=key.secret)


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """A built app as Vite lays it out, and a file beside it that must never be served."""
    static = tmp_path / "static"
    (static / "assets" / "fonts").mkdir(parents=True)
    (static / "index.html").write_text('<!doctype html><div id="root"></div>app-page')
    (static / "graphiql.html").write_text('<!doctype html><div id="graphiql"></div>')
    (static / "assets" / "app-abc123.js").write_text("export const app = 1;")
    (static / "assets" / "app-abc123.css").write_text("body { margin: 0 }")
    (static / "assets" / "fonts" / "inter-x1.woff2").write_bytes(b"wOF2")
    (static / "assets" / "logo-x2.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return static


@pytest.fixture
def web_app(s3_services: Services, static_dir: Path) -> Callable[..., httpx.AsyncClient]:
    """`web_app(**settings)`: an ASGI client of an app over the test services (settings
    overridden as given), with no credentials and no cookie jar of its own."""

    def client(static: Path | None = None, **overrides: Any) -> httpx.AsyncClient:
        services = s3_services
        if overrides:
            services = Services(
                settings=test_settings(**overrides),
                graph=s3_services.graph,
                blobs=s3_services.blobs,
            )
        app = create_app(services.settings, services=services, static_dir=static or static_dir)
        created = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)

        async def forget_cookies(response: httpx.Response) -> None:
            created.cookies.clear()  # each test sends the cookie it means to, by header

        created.event_hooks["response"] = [forget_cookies]
        return created

    return client


@pytest.fixture
async def web(web_app: Callable[..., httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    async with web_app() as client:
        yield client


def cookie_of(response: httpx.Response) -> str:
    """The session token the response set (fails when it set none)."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == SESSION_COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError(f"no {SESSION_COOKIE} cookie set: {response.headers}")


def with_cookie(token: str, **headers: str) -> dict[str, str]:
    return {**BROWSER, "cookie": f"{SESSION_COOKIE}={token}", **headers}


async def sign_in(client: httpx.AsyncClient, key: str) -> str:
    response = await client.post("/auth/session", json={"apiKey": key}, headers=BROWSER)
    assert response.status_code == 200, response.text
    return cookie_of(response)
