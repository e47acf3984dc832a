"""The web app's security in Chromium: sign-in exchanges the key for an HttpOnly SameSite=Strict
cookie and nothing else keeps it, sign-out ends the session (the old cookie replayed is refused),
anonymous read shows the app without signing in, every page of every kind loads only from the
server's origin with the strict CSP, nosniff and no framing, and a page on another origin can
neither write with the visitor's cookie (CSRF) nor frame the app (clickjacking)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

import lineage

from .conftest import SCREEN, Recorder
from .support import WebServer, create_organization, graphql, sign_in, unique_name

CSRF = {"content-type": "application/json", "x-lineage-csrf": "1"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Seeded:
    org: str
    project: str
    run_id: str


@pytest.fixture(scope="module")
def seeded(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """table:v0 -> run train-1 -> clf:v0, linked to the organisation's model registry."""
    tmp = tmp_path_factory.mktemp("security-seed")
    org = create_organization(web_server, "security")
    project = "app"
    with (
        pytest.MonkeyPatch.context() as patch,
        lineage.Client(web_server.url, web_server.admin_key) as sdk,
    ):
        patch.setenv("LINEAGE_CACHE_DIR", str(tmp / "cache"))
        (tmp / "rows.csv").write_text("a,b\n1,2\n")
        (tmp / "model.pt").write_bytes(b"weights")
        table = lineage.Artifact("table", "dataset")
        table.add_file(tmp / "rows.csv", "rows.csv")
        lineage.log_artifact(table, f"{org}/{project}", client=sdk, progress=False)
        with lineage.init(f"{org}/{project}", "train", name="train-1", client=sdk) as run:
            run.use_artifact("table:latest")
            model = lineage.Artifact("clf", "model")
            model.add_file(tmp / "model.pt", "model.pt")
            logged = run.log_artifact(model, progress=False)
        lineage.link_artifact(logged, f"{org}/registry-model/classifier", client=sdk)
    runs = graphql(
        web_server,
        "query($o: String!, $p: String!) { runs(organization: $o, project: $p) {"
        " edges { node { id name } } } }",
        {"o": org, "p": project},
    )
    (run_node,) = [e["node"] for e in runs["runs"]["edges"] if e["node"]["name"] == "train-1"]
    yield Seeded(org=org, project=project, run_id=run_node["id"])


def _session_cookies(context: BrowserContext, server: WebServer) -> dict[str, str]:
    host = urlsplit(server.url).hostname
    return {c["name"]: c["value"] for c in context.cookies() if c["domain"] == host}


def _me_with_cookies(server: WebServer, cookies: dict[str, str]) -> dict[str, Any]:
    """`{ me { name } }` sent as the app sends it (JSON, CSRF header), with only these cookies."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    answer = httpx.post(
        f"{server.url}/graphql",
        json={"query": "{ me { name } }"},
        headers={**CSRF, "cookie": cookie},
        timeout=30,
    )
    body: dict[str, Any] = answer.json()
    return body


def test_sign_in_and_sign_out_through_the_page(
    page: Page, context: BrowserContext, web_server: WebServer
) -> None:
    admin = graphql(web_server, "{ me { name } }")["me"]["name"]
    page.goto(web_server.url + "/")
    expect(page.get_by_label("API key")).to_be_visible()

    sign_in(page, web_server)
    expect(page.get_by_test_id("signed-in-user")).to_have_text(admin)
    (cookie,) = [c for c in context.cookies() if c["name"] == "lineage_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert web_server.admin_key not in cookie["value"]
    stored = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert web_server.admin_key not in stored, "the key must not be kept by the page"
    assert "lineage_session" not in page.evaluate("() => document.cookie")  # HttpOnly
    cookies = _session_cookies(context, web_server)
    assert _me_with_cookies(web_server, cookies)["data"]["me"]["name"] == admin

    page.reload()  # the session outlives the page
    expect(page.get_by_test_id("signed-in-user")).to_have_text(admin)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "lineage_session"]
    page.goto(web_server.url + "/")
    expect(page.get_by_label("API key")).to_be_visible()

    # The cookie the browser held, replayed after sign-out: the session is over on the server.
    replayed = _me_with_cookies(web_server, cookies)
    assert replayed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", replayed
    state = httpx.get(f"{web_server.url}/auth/session", cookies=cookies, timeout=30).json()
    assert state["signedIn"] is False and state["user"] is None


def test_a_wrong_key_is_refused_and_signs_nobody_in(
    page: Page, context: BrowserContext, web_server: WebServer
) -> None:
    page.goto(web_server.url + "/signin")
    page.get_by_label("API key").fill("lk_" + "0" * 40)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("UNAUTHENTICATED|401"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert not [c for c in context.cookies() if c["name"] == "lineage_session"]


@dataclass
class Watched:
    """Requests, responses and console lines of a context opened by `_guarded_context`."""

    allowed: set[str]
    offsite: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@contextmanager
def _guarded_context(browser: Browser, *origins: str) -> Iterator[tuple[BrowserContext, Watched]]:
    """A context like conftest's `context`, for other origins: requests to any origin not named
    are aborted and recorded; the console is kept (the caller decides what a CSP line means)."""
    watched = Watched(allowed=set(origins))
    created = browser.new_context(viewport=SCREEN)

    def offsite(url: str) -> bool:
        return not url.startswith(("data:", "blob:")) and _origin(url) not in watched.allowed

    created.on("request", lambda r: watched.offsite.append(r.url) if offsite(r.url) else None)
    created.on("response", lambda r: watched.responses.append(r))
    created.on(
        "page",
        lambda p: (
            p.on("console", lambda m: watched.console.append(m.text)),
            p.on("pageerror", lambda e: watched.page_errors.append(str(e))),
        ),
    )
    created.route(offsite, lambda route: route.abort())
    try:
        yield created, watched
    finally:
        created.close()


def test_with_anonymous_read_the_app_works_without_signing_in(
    browser: Browser, anonymous_web_server: WebServer, seeded: Seeded
) -> None:
    server = anonymous_web_server
    state = httpx.get(f"{server.url}/auth/session", timeout=30).json()
    assert state == {"signedIn": False, "anonymousRead": True, "user": None}
    with _guarded_context(browser, _origin(server.url)) as (context, watched):
        page = context.new_page()
        page.goto(f"{server.url}/orgs/{seeded.org}/projects/{seeded.project}/artifacts/table/v0")
        expect(page.get_by_role("heading", level=1)).to_contain_text("table:v0")
        expect(page.get_by_role("region", name="Consumed by")).to_contain_text("train-1")
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.get_by_label("API key")).to_have_count(0)
        assert not context.cookies()
    assert not watched.offsite, watched.offsite
    assert not [line for line in watched.console if "Content Security Policy" in line]


def _page_paths(seeded: Seeded) -> list[str]:
    """One URL of each kind of page the app has, GraphiQL included."""
    org, project = quote(seeded.org), quote(seeded.project)
    base = f"/orgs/{org}/projects/{project}"
    return [
        "/",
        "/signin",
        f"/orgs/{org}",
        base,
        f"{base}/runs",
        f"{base}/runs/{quote(seeded.run_id)}",
        f"{base}/artifacts/table",
        f"{base}/artifacts/table/v0",
        f"/orgs/{org}/registries",
        f"/orgs/{org}/registries/model",
        f"/orgs/{org}/registries/model/classifier",
        f"/lineage/{org}/{project}/table:v0",
        f"/lineage/{org}/registry-model/classifier:v0",
        "/graphql",
    ]


def _assert_page_headers(path: str, headers: dict[str, str]) -> None:
    csp = headers.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'", (path, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (path, csp)
    assert directives.get("object-src") == "object-src 'none'", (path, csp)
    assert "default-src" in directives, (path, csp)
    assert headers.get("x-content-type-options") == "nosniff", path
    assert headers.get("x-frame-options", "").upper() == "DENY", path


def test_every_kind_of_page_loads_only_from_the_server_with_the_strict_headers(
    page: Page, web_server: WebServer, seeded: Seeded, recorder: Recorder
) -> None:
    """The conftest aborts any request to another origin and fails on CSP violations; here each
    kind of page is visited signed in, its document's headers checked, and its requests listed."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, web_server)
    for path in _page_paths(seeded):
        before = len(recorder.requests)
        response = page.goto(web_server.url + path)
        assert response is not None and response.status == 200, path
        _assert_page_headers(path, response.headers)
        page.wait_for_load_state("networkidle")
        loaded = recorder.requests[before:]
        assert any("/assets/" in url for url in loaded), (path, loaded)
        assert all(_origin(url) == recorder.origin for url in loaded if "://" in url), loaded
    assert not recorder.offsite, recorder.offsite
    assert not errors, errors
    # Assets and API answers carry the headers too (an asset opened directly is never sniffed).
    index = httpx.get(web_server.url + "/").text
    asset = index.split('src="', 1)[1].split('"', 1)[0]
    for url in (web_server.url + asset, web_server.url + "/auth/session"):
        headers = httpx.get(url, timeout=30).headers
        assert headers["x-content-type-options"] == "nosniff", url
        assert "frame-ancestors 'none'" in headers["content-security-policy"], url


ATTACKER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Win a prize</title></head>
<body>
<h1>Win a prize</h1>
<form id="plain" method="POST" action="{api}/graphql" enctype="text/plain">
  <input type="hidden" name='{form_name}' value='{form_value}'>
  <button type="submit">Claim</button>
</form>
<iframe title="framed app" src="{api}/" width="600" height="300"></iframe>
<script>
const api = {api_json};
const bodies = {bodies_json};
window.results = {{}};
async function attempt(label, init) {{
  try {{
    const answer = await fetch(api + "/graphql",
                               {{method: "POST", credentials: "include", ...init}});
    window.results[label] = answer.type + ":" + answer.status;
  }} catch (error) {{
    window.results[label] = "failed:" + error.name;
  }}
}}
Promise.all([
  attempt("no-cors text/plain", {{mode: "no-cors", headers: {{"content-type": "text/plain"}},
                                  body: bodies.plain}}),
  attempt("no-cors form", {{mode: "no-cors",
                            headers: {{"content-type": "application/x-www-form-urlencoded"}},
                            body: "query=" + encodeURIComponent(bodies.form)}}),
  attempt("cors json with the header", {{headers: {{"content-type": "application/json",
                                                    "x-lineage-csrf": "1"}},
                                          body: bodies.json}}),
]).then(() => {{ window.done = true; }});
</script>
</body></html>
"""


def _create_org(name: str) -> str:
    fields = "organization { name }"
    return f'mutation {{ createOrganization(input: {{name: "{name}"}}) {{ {fields} }} }}'


def _organization(server: WebServer, name: str) -> Any:
    query = "query($n: String!) { organization(name: $n) { name } }"
    return graphql(server, query, {"n": name})["organization"]


@contextmanager
def _attacker_site(page_html: str) -> Iterator[str]:
    """A tiny web server on another port (another origin, same site: the cookie goes along)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page_html.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_another_origin_can_neither_write_with_the_cookie_nor_frame_the_app(
    browser: Browser, web_server: WebServer, tmp_path: Path
) -> None:
    names = {kind: unique_name(f"csrf-{kind}") for kind in ("form", "plain", "urlenc", "json")}
    form_body = json.dumps({"query": _create_org(names["form"]), "pad": "="})
    form_name, form_value = form_body.split("=", 1)  # text/plain sends `name=value`
    html = ATTACKER_PAGE.format(
        api=web_server.url,
        api_json=json.dumps(web_server.url),
        form_name=form_name.replace("'", "&#39;"),
        form_value=form_value.replace("'", "&#39;"),
        bodies_json=json.dumps(
            {
                "plain": json.dumps({"query": _create_org(names["plain"])}),
                "form": _create_org(names["urlenc"]),
                "json": json.dumps({"query": _create_org(names["json"])}),
            }
        ),
    )
    with (
        _attacker_site(html) as attacker,
        _guarded_context(browser, _origin(web_server.url), attacker) as (context, watched),
    ):
        page = context.new_page()
        sign_in(page, web_server)  # the visitor is signed in to the app ...
        page.goto(attacker)  # ... and opens the other site in the same browser
        page.wait_for_function("() => window.done === true")
        results: dict[str, str] = page.evaluate("() => window.results")
        # The preflight of a JSON request with the custom header is never granted: not sent.
        assert results["cors json with the header"] == "failed:TypeError", results
        # Simple requests do reach the server, with the cookie, and are refused there.
        assert results["no-cors text/plain"] == "opaque:0", results
        assert results["no-cors form"] == "opaque:0", results

        # Clickjacking: the browser refuses to show the app inside the other site's frame.
        frame = page.frame_locator("iframe[title='framed app']")
        expect(frame.get_by_label("API key")).to_have_count(0)
        expect(frame.get_by_role("button", name="Sign out")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "attacker.png"))

        with page.expect_response(lambda r: r.url == f"{web_server.url}/graphql") as answer:
            page.get_by_role("button", name="Claim").click()
        assert answer.value.status == 403
        assert answer.value.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"

        # The app's own queries (its first page after signing in) may still be answered while the
        # other site loads; only the requests that site sent are counted.
        posts = [
            r
            for r in watched.responses
            if r.request.method == "POST"
            and "/graphql" in r.url
            and r.request.all_headers().get("origin") == attacker
        ]
        assert len(posts) == 3, [(r.url, r.status) for r in posts]  # plain, urlencoded, form
        for response in posts:
            sent = response.request.all_headers()
            assert "lineage_session=" in sent.get("cookie", ""), "same site: the cookie went"
            assert response.status == 403
        assert any("frame-ancestors" in line for line in watched.console), watched.console
        assert not watched.offsite, watched.offsite

    # Nothing was written: none of the organisations exists.
    for name in names.values():
        assert _organization(web_server, name) is None, name


def test_the_apps_own_origin_without_the_csrf_header_is_refused_too(
    page: Page, web_server: WebServer
) -> None:
    """Same origin, session cookie, but a request the app never makes (no JSON, no header)."""
    name = unique_name("csrf-same")
    sign_in(page, web_server)
    status = page.evaluate(
        """async (body) => (await fetch("/graphql", {method: "POST",
             headers: {"content-type": "text/plain"}, body})).status""",
        json.dumps({"query": _create_org(name)}),
    )
    assert status == 403
    assert _organization(web_server, name) is None
