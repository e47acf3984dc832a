"""Browser sessions: sign-in exchanges a key for an HttpOnly cookie, the cookie authenticates
GraphQL only under the CSRF rule, and sign-out, revocation and expiry end it for good."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx

from api.app import create_app
from api.context import Services
from api.web.csrf import SESSION_COOKIE
from graph.access.api_keys import create_api_key, key_id_of, revoke_api_key
from graph.access.sessions import (
    close_session,
    hash_token,
    open_session,
    prune_expired_sessions,
    session_owner,
)
from graph.core.driver import Graph
from tests.conftest import SessionUser

from .conftest import BROWSER, ORIGIN, WebUser, cookie_of, sign_in, with_cookie

ME = "{ me { name } }"
CREATE_ORG = (
    "mutation($name: String!) { createOrganization(input: {name: $name}) {"
    " organization { name } errors { code } } }"
)
ORG = "query($name: String!) { organization(name: $name) { name } }"


def code_of(body: dict[str, object]) -> object:
    errors = body["errors"]
    assert isinstance(errors, list)
    return errors[0]["extensions"]["code"]


async def test_sign_in_sets_a_strict_http_only_cookie(
    web: httpx.AsyncClient, web_user: WebUser, graph: Graph
) -> None:
    response = await web.post("/auth/session", json={"apiKey": web_user.key}, headers=BROWSER)
    assert response.status_code == 200
    assert response.json() == {
        "signedIn": True,
        "anonymousRead": False,
        "user": {"id": web_user.id, "name": web_user.name},
    }
    [cookie] = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    flags = {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "max-age", "samesite"} <= flags
    assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    assert "max-age=43200" in cookie.lower()  # LINEAGE_SESSION_HOURS, 12 by default
    token = cookie_of(response)
    assert web_user.key not in cookie and len(token) >= 43
    stored = await graph.read_one(
        "MATCH (s:BrowserSession {token_hash: $h}) RETURN s {.*} AS s", h=hash_token(token)
    )
    assert stored is not None
    assert stored["s"]["user_id"] == web_user.id
    assert token not in str(stored) and web_user.key not in str(stored)

    state = await web.get("/auth/session", headers={"cookie": f"{SESSION_COOKIE}={token}"})
    assert state.json()["user"] == {"id": web_user.id, "name": web_user.name}


async def test_https_makes_the_cookie_secure(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    async with web_app(public_url="https://lineage.example.com") as client:
        headers = {**BROWSER, "origin": "https://lineage.example.com"}
        response = await client.post(
            "/auth/session", json={"apiKey": web_user.key}, headers=headers
        )
        assert response.status_code == 200
        assert "; secure" in response.headers["set-cookie"].lower()


async def test_a_wrong_key_is_401_and_sets_nothing(
    web: httpx.AsyncClient, web_user: WebUser
) -> None:
    for key in ["lin_not-a-key", web_user.key[:-2] + "xx", ""]:
        response = await web.post("/auth/session", json={"apiKey": key}, headers=BROWSER)
        assert response.status_code in (400, 401), key
        assert "set-cookie" not in response.headers
        assert code_of(response.json()) in ("UNAUTHENTICATED", "INVALID_INPUT")
    wrong = await web.post("/auth/session", json={"apiKey": "lin_nope"}, headers=BROWSER)
    assert wrong.status_code == 401
    assert code_of(wrong.json()) == "UNAUTHENTICATED"
    garbled = await web.post("/auth/session", content=b"{not json", headers=BROWSER)
    assert garbled.status_code == 400
    assert code_of(garbled.json()) == "INVALID_INPUT"


async def test_signed_out_visitor_state(web: httpx.AsyncClient) -> None:
    response = await web.get("/auth/session")
    assert response.json() == {"signedIn": False, "anonymousRead": False, "user": None}
    assert "set-cookie" not in response.headers


async def test_the_cookie_authenticates_graphql(web: httpx.AsyncClient, web_user: WebUser) -> None:
    token = await sign_in(web, web_user.key)
    answer = await web.post("/graphql", json={"query": ME}, headers=with_cookie(token))
    assert answer.status_code == 200
    assert answer.json() == {"data": {"me": {"name": web_user.name}}}
    # no Origin header at all (some same-origin requests omit it) is fine too
    headers = with_cookie(token)
    del headers["origin"]
    answer = await web.post("/graphql", json={"query": ME}, headers=headers)
    assert answer.json() == {"data": {"me": {"name": web_user.name}}}


async def test_the_authorization_header_wins_over_the_cookie(
    web: httpx.AsyncClient, web_user: WebUser, session_user: SessionUser
) -> None:
    token = await sign_in(web, web_user.key)
    headers = {"cookie": f"{SESSION_COOKIE}={token}", **session_user.headers}
    answer = await web.post("/graphql", json={"query": ME}, headers=headers)
    assert answer.json() == {"data": {"me": {"name": session_user.name}}}


async def test_csrf_attempts_are_refused_and_change_nothing(
    web: httpx.AsyncClient,
    web_user: WebUser,
    session_user: SessionUser,
    unique: Callable[[str], str],
) -> None:
    token = await sign_in(web, web_user.key)
    cookie = {"cookie": f"{SESSION_COOKIE}={token}"}
    attempts: list[tuple[str, dict[str, str], bytes | None]] = [
        ("no header", {**cookie, "content-type": "application/json", "origin": ORIGIN}, None),
        (
            "form",
            {
                **cookie,
                "x-lineage-csrf": "1",
                "origin": ORIGIN,
                "content-type": "application/x-www-form-urlencoded",
            },
            b"query=x",
        ),
        ("text/plain", {**cookie, "x-lineage-csrf": "1", "content-type": "text/plain"}, None),
        ("foreign origin", with_cookie(token, origin="https://evil.example"), None),
        ("sibling port", with_cookie(token, origin="http://lineage.test:8080"), None),
        ("null origin", with_cookie(token, origin="null"), None),
        ("cross-site fetch", with_cookie(token, **{"sec-fetch-site": "cross-site"}), None),
    ]
    names = []
    for why, headers, body in attempts:
        name = unique("csrf")
        names.append(name)
        payload = (
            body
            or httpx.Request(
                "POST", "/", json={"query": CREATE_ORG, "variables": {"name": name}}
            ).content
        )
        response = await web.post("/graphql", content=payload, headers=headers)
        assert response.status_code == 403, why
        assert code_of(response.json()) == "CSRF_REJECTED", why
    for name in names:
        found = await web.post(
            "/graphql",
            json={"query": ORG, "variables": {"name": name}},
            headers=session_user.headers,
        )
        assert found.json() == {"data": {"organization": None}}
    # the same mutation, sent as the app sends it, goes through
    name = unique("csrf-ok")
    answer = await web.post(
        "/graphql",
        json={"query": CREATE_ORG, "variables": {"name": name}},
        headers=with_cookie(token),
    )
    assert answer.json()["data"]["createOrganization"] == {
        "organization": {"name": name},
        "errors": [],
    }


async def test_the_public_url_is_an_own_origin(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    async with web_app(public_url="https://lineage.example.com/") as client:
        headers = {**BROWSER, "origin": "https://lineage.example.com"}
        token = cookie_of(
            await client.post("/auth/session", json={"apiKey": web_user.key}, headers=headers)
        )
        answer = await client.post(
            "/graphql",
            json={"query": ME},
            headers=with_cookie(token, origin="https://lineage.example.com"),
        )
        assert answer.json() == {"data": {"me": {"name": web_user.name}}}


async def test_login_and_logout_need_the_csrf_header_too(
    web: httpx.AsyncClient, web_user: WebUser
) -> None:
    foreign = {**BROWSER, "origin": "https://evil.example"}
    forced = await web.post("/auth/session", json={"apiKey": web_user.key}, headers=foreign)
    assert forced.status_code == 403 and code_of(forced.json()) == "CSRF_REJECTED"
    assert "set-cookie" not in forced.headers
    bare = await web.post("/auth/session", json={"apiKey": web_user.key})
    assert bare.status_code == 403 and "set-cookie" not in bare.headers
    token = await sign_in(web, web_user.key)
    refused = await web.delete(
        "/auth/session", headers=with_cookie(token, origin="https://evil.example")
    )
    assert refused.status_code == 403
    still = await web.post("/graphql", json={"query": ME}, headers=with_cookie(token))
    assert still.json() == {"data": {"me": {"name": web_user.name}}}


async def test_sign_out_kills_the_session_even_when_replayed(
    web: httpx.AsyncClient, web_user: WebUser, graph: Graph
) -> None:
    token = await sign_in(web, web_user.key)
    out = await web.delete("/auth/session", headers=with_cookie(token))
    assert out.status_code == 200
    assert out.json()["signedIn"] is False
    assert (
        f"{SESSION_COOKIE}=" in out.headers["set-cookie"]
        and "max-age=0" in out.headers["set-cookie"].lower()
    )
    assert (
        await graph.read_one(
            "MATCH (s:BrowserSession {token_hash: $h}) RETURN s", h=hash_token(token)
        )
        is None
    )
    replayed = await web.post("/graphql", json={"query": ME}, headers=with_cookie(token))
    assert code_of(replayed.json()) == "UNAUTHENTICATED"
    state = await web.get("/auth/session", headers={"cookie": f"{SESSION_COOKIE}={token}"})
    assert state.json()["signedIn"] is False
    assert "max-age=0" in state.headers["set-cookie"].lower()  # the dead cookie is cleared


async def test_revoking_the_key_ends_its_sessions(
    web: httpx.AsyncClient, web_user: WebUser, graph: Graph
) -> None:
    second = await create_api_key(graph, web_user.id, "second")
    token = await sign_in(web, second.secret)
    other = await sign_in(web, web_user.key)
    assert (await web.post("/graphql", json={"query": ME}, headers=with_cookie(token))).json()[
        "data"
    ] == {"me": {"name": web_user.name}}
    await revoke_api_key(graph, second.record.id, owner_id=web_user.id)
    ended = await web.post("/graphql", json={"query": ME}, headers=with_cookie(token))
    assert code_of(ended.json()) == "UNAUTHENTICATED"
    # a session opened with another key of the same user lives on
    kept = await web.post("/graphql", json={"query": ME}, headers=with_cookie(other))
    assert kept.json() == {"data": {"me": {"name": web_user.name}}}


async def test_a_session_expires(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser, graph: Graph
) -> None:
    async with web_app(session_hours=1.5 / 3600) as client:
        token = await sign_in(client, web_user.key)
        alive = await client.post("/graphql", json={"query": ME}, headers=with_cookie(token))
        assert alive.json() == {"data": {"me": {"name": web_user.name}}}
        await asyncio.sleep(1.7)
        expired = await client.post("/graphql", json={"query": ME}, headers=with_cookie(token))
        assert code_of(expired.json()) == "UNAUTHENTICATED"
        state = await client.get("/auth/session", headers={"cookie": f"{SESSION_COOKIE}={token}"})
        assert state.json()["signedIn"] is False
    # expired sessions are pruned (after every sign-in, up to 100 at a time)
    assert await prune_expired_sessions(graph, limit=100_000) >= 1
    assert (
        await graph.read_one(
            "MATCH (s:BrowserSession {token_hash: $h}) RETURN s", h=hash_token(token)
        )
        is None
    )


async def test_sessions_in_the_graph(graph: Graph, web_user: WebUser) -> None:
    assert await open_session(graph, "lin_malformed", hours=1) is None
    opened = await open_session(graph, web_user.key, hours=1)
    assert opened is not None and opened.token not in repr(opened)
    owner = await session_owner(graph, opened.token)
    assert owner is not None
    assert (owner.user_id, owner.user_name, owner.key_id) == (
        web_user.id,
        web_user.name,
        key_id_of(web_user.key),
    )
    assert await session_owner(graph, "x" * 43) is None
    assert await session_owner(graph, "'; MATCH (n) DETACH DELETE n //") is None
    assert await close_session(graph, opened.token) is True
    assert await close_session(graph, opened.token) is False
    assert await session_owner(graph, opened.token) is None


async def test_a_request_over_https_gets_a_secure_cookie(
    s3_services: Services, web_user: WebUser, static_dir: Path
) -> None:
    app = create_app(s3_services.settings, services=s3_services, static_dir=static_dir)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://lineage.test") as client:
        headers = {**BROWSER, "origin": "https://lineage.test"}
        response = await client.post(
            "/auth/session", json={"apiKey": web_user.key}, headers=headers
        )
        assert response.status_code == 200
        assert "; secure" in response.headers["set-cookie"].lower()


async def test_a_session_spends_its_keys_rate_limit(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    async with web_app(rate_limit_per_key=2, rate_limit_anonymous=1000) as client:
        token = await sign_in(client, web_user.key)
        bearer = {"authorization": f"Bearer {web_user.key}"}
        first = await client.post("/graphql", json={"query": ME}, headers=with_cookie(token))
        second = await client.post("/graphql", json={"query": ME}, headers=bearer)
        third = await client.post("/graphql", json={"query": ME}, headers=with_cookie(token))
        assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
        assert code_of(third.json()) == "RATE_LIMITED"


async def test_the_app_learns_that_anonymous_read_is_on(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    async with web_app(allow_anonymous_read=True) as client:
        state = await client.get("/auth/session")
        assert state.json() == {"signedIn": False, "anonymousRead": True, "user": None}
        token = await sign_in(client, web_user.key)
        state = await client.get("/auth/session", headers={"cookie": f"{SESSION_COOKIE}={token}"})
        assert state.json()["anonymousRead"] is True and state.json()["signedIn"] is True


async def test_downloads_spend_the_same_rate_limit_as_graphql(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    """A file URL cannot be fetched faster than GraphQL may be called: one bucket per key, and
    one per address without a valid key, both answered 429 with Retry-After."""
    async with web_app(
        rate_limit_per_key=3, rate_limit_anonymous=2, allow_anonymous_read=True
    ) as client:
        token = await sign_in(client, web_user.key)
        bearer = {"authorization": f"Bearer {web_user.key}"}
        query = await client.post("/graphql", json={"query": ME}, headers=bearer)
        missing = await client.get("/files/no-such-version/a.txt", headers=with_cookie(token))
        manifest = await client.get("/manifests/no-such-version", headers=bearer)
        refused = await client.get("/files/no-such-version/a.txt", headers=bearer)
        statuses = [query.status_code, missing.status_code, manifest.status_code]
        assert statuses == [200, 404, 404]
        assert refused.status_code == 429, refused.text
        assert code_of(refused.json()) == "RATE_LIMITED"
        assert int(refused.headers["retry-after"]) >= 1
        # Anonymous callers share their address's bucket (signing in spent one of its two)
        # before anything is looked up.
        first = await client.get("/files/no-such-version/a.txt")
        second = await client.get("/manifests/no-such-version")
        assert [first.status_code, second.status_code] == [404, 429]


async def test_sign_in_attempts_spend_the_address_rate_limit(
    web_app: Callable[..., httpx.AsyncClient], web_user: WebUser
) -> None:
    """Keys cannot be tried through /auth/session faster than anonymous GraphQL requests."""
    async with web_app(rate_limit_anonymous=2) as client:
        wrong = await client.post("/auth/session", json={"apiKey": "lin_nope"}, headers=BROWSER)
        right = await client.post("/auth/session", json={"apiKey": web_user.key}, headers=BROWSER)
        third = await client.post("/auth/session", json={"apiKey": web_user.key}, headers=BROWSER)
        assert [wrong.status_code, right.status_code, third.status_code] == [401, 200, 429]
        assert code_of(third.json()) == "RATE_LIMITED"
        assert int(third.headers["retry-after"]) >= 1
        assert "set-cookie" not in third.headers
