"""The CSRF rule for requests authenticated by the browser session cookie.

The cookie is SameSite=Strict already; on top of that a cookie-authenticated request must carry
what a cross-site form or "simple" request cannot: `content-type: application/json` and the
header `x-lineage-csrf` (both force a CORS preflight, which this server never grants), and its
`Origin`, when the browser sends one, must be this server's own: the request's scheme and host,
or the configured public URL (`LINEAGE_PUBLIC_URL`, behind a proxy). Requests that carry
`Authorization: Bearer <key>` are not cookie-authenticated: the header wins and no rule applies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Scope

from api.errors import ErrorCode

CSRF_HEADER = "x-lineage-csrf"
SESSION_COOKIE = "lineage_session"


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of `url`, lower-cased, default ports dropped; None if not a URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    suffix = "" if port in (None, default) else f":{port}"
    return f"{parts.scheme}://{host.lower()}{suffix}"


def own_origins(scope: Scope, public_url: str) -> set[str]:
    """The origins this request may come from: the one it was sent to, and the public URL's."""
    origins: set[str] = set()
    host = Headers(scope=scope).get("host")
    if host:
        own = origin_of(f"{scope.get('scheme', 'http')}://{host}")
        if own:
            origins.add(own)
    if public_url:
        public = origin_of(public_url)
        if public:
            origins.add(public)
    return origins


def csrf_refusal(scope: Scope, public_url: str) -> str | None:
    """Why this cookie-authenticated request is refused, or None when it may proceed."""
    headers = Headers(scope=scope)
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return "Requests signed in by the session cookie must send content-type: application/json"
    if headers.get(CSRF_HEADER, "").strip() != "1":
        return f"Requests signed in by the session cookie must send the header '{CSRF_HEADER}: 1'"
    return cross_site_refusal(scope, public_url)


def cross_site_refusal(scope: Scope, public_url: str) -> str | None:
    """Why this cookie-authenticated request is refused as sent by another site's page (its
    `Origin`, or `Sec-Fetch-Site` when the browser sends one), or None. A safe read that a
    person starts from the app's own page (a download link) needs only this part of the rule:
    it cannot send headers of its own."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is not None and origin_of(origin) not in own_origins(scope, public_url):
        return "Requests signed in by the session cookie must come from this server's own pages"
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return "Requests signed in by the session cookie must come from this server's own pages"
    return None


def session_token(scope: Scope) -> str | None:
    """The session cookie's value, if the request carries one."""
    cookie = Headers(scope=scope).get("cookie")
    if not cookie:
        return None
    for pair in cookie.split(";"):
        name, _, value = pair.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value.strip().strip('"')
    return None


def has_bearer(scope: Scope) -> bool:
    """Whether the request authenticates by header (which wins over the cookie)."""
    authorization = Headers(scope=scope).get("authorization")
    return authorization is not None and bool(authorization.strip())


def csrf_rejected(message: str) -> JSONResponse:
    """HTTP 403 with a request-level coded error; nothing ran."""
    code = ErrorCode.CSRF_REJECTED.value
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=403
    )
