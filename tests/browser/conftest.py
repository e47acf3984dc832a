"""Browser tests: Debian's Chromium driven by Playwright against a real `lineage serve` process
on the tests' Neo4j and S3.

Every page a test opens records its requests; a request for another origin is aborted (the page
must work offline) and fails the test at teardown, as does a Content-Security-Policy violation
reported on the console. Chromium: `LINEAGE_CHROMIUM`, else /usr/bin/chromium (`.ci/run`
installs Debian's package when it is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, sync_playwright

from services.s3_server import S3Endpoint
from tests.conftest import neo4j_test_auth
from tests.faults.cluster import REPO, ApiNode

from .support import WebServer, unique_name

SCREEN = {"width": 1400, "height": 900}


def chromium_path() -> str:
    configured = os.environ.get("LINEAGE_CHROMIUM")
    found = configured or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail(f"Chromium not found at {found}: apt-get install chromium (see .ci/run)")
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture(scope="session")
def web_api(
    neo4j_uri: str, s3_server: S3Endpoint, s3_bucket: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiNode]:
    """`lineage serve` with the S3 blob store, no anonymous read and no rate limits."""
    user, password = neo4j_test_auth() or ("neo4j", "")
    api = ApiNode.create(
        "web-api",
        tmp_path_factory.mktemp("web-api"),
        {
            "NEO4J_URI": neo4j_uri,
            "NEO4J_USER": user,
            "NEO4J_PASSWORD": password,
            "LINEAGE_BLOB_STORE": f"s3://{s3_bucket}/web",
            "AWS_ENDPOINT_URL_S3": s3_server.endpoint_url,
            "AWS_ACCESS_KEY_ID": s3_server.access_key,
            "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
            "AWS_REGION": s3_server.region,
            "LINEAGE_RATE_LIMIT_PER_KEY": "0",
            "LINEAGE_RATE_LIMIT_ANONYMOUS": "0",
        },
    )
    api.env["LINEAGE_PUBLIC_URL"] = api.url
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def web_server(web_api: ApiNode) -> WebServer:
    """The server and a new server admin's key, made by `lineage admin-key` as an operator would."""
    name = unique_name("web-admin")
    subprocess.run(
        [sys.executable, "-m", "api.cli", "admin-key", "--name", name],
        cwd=REPO,
        env=web_api.env,
        check=True,
        capture_output=True,
    )
    key = (web_api.data_dir / "admin_api_key").read_text().strip()
    return WebServer(url=web_api.url, admin_key=key)


@pytest.fixture(scope="session")
def anonymous_web_server(
    web_api: ApiNode, web_server: WebServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebServer]:
    """A second `lineage serve` on the same Neo4j and bucket with LINEAGE_ALLOW_ANONYMOUS_READ
    =true (the admin's key of `web_server` works there too). Its origin differs from
    `web_server`'s, so the `context` and `page` fixtures abort its requests: open pages on it
    with a context guarded for its own origin."""
    own = ("LINEAGE_PORT", "LINEAGE_DATA_DIR", "LINEAGE_BASE_URL")
    settings = {k: v for k, v in web_api.env.items() if k not in own}
    settings["LINEAGE_ALLOW_ANONYMOUS_READ"] = "true"
    api = ApiNode.create("web-api-anonymous", tmp_path_factory.mktemp("web-api-anon"), settings)
    api.env["LINEAGE_PUBLIC_URL"] = api.url
    api.start()
    yield WebServer(url=api.url, admin_key=web_server.admin_key)
    api.stop()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Package-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, and the async tests collected after tests/browser cannot run their own until it
    stops."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
    )
    yield launched
    launched.close()


@dataclass
class Recorder:
    """What the page asked for and what the console said about the CSP."""

    origin: str
    requests: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not request.url.startswith(("data:", "blob:")) and _origin(request.url) != self.origin:
            self.offsite.append(request.url)


@pytest.fixture
def recorder(web_server: WebServer) -> Recorder:
    return Recorder(_origin(web_server.url))


@pytest.fixture
def context(
    browser: Browser, web_server: WebServer, recorder: Recorder
) -> Iterator[BrowserContext]:
    created = browser.new_context(viewport=SCREEN, accept_downloads=True)
    created.on("request", recorder.on_request)
    created.route(
        lambda url: not url.startswith(("data:", "blob:")) and _origin(url) != recorder.origin,
        lambda route: route.abort(),
    )
    yield created
    created.close()
    assert not recorder.offsite, f"requests left the server's origin: {recorder.offsite}"
    assert not recorder.csp_violations, f"CSP violations: {recorder.csp_violations}"


@pytest.fixture
def page(context: BrowserContext, recorder: Recorder) -> Page:
    opened = context.new_page()

    def on_console(message: object) -> None:
        text = getattr(message, "text", "")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            recorder.csp_violations.append(text)

    opened.on("console", on_console)
    opened.set_default_timeout(15_000)
    return opened
