"""/auth/session: the web app exchanges a pasted API key for a session cookie, asks who is
signed in, and signs out.

- GET: `{"signedIn", "anonymousRead", "user": {"id", "name"} | null}` for the cookie sent; a
  cookie whose session has ended is cleared.
- POST `{"apiKey": "..."}`: opens a session (graph/access/sessions.py) and sets the cookie
  `lineage_session` (HttpOnly, SameSite=Strict, Path=/, Secure over https) for
  LINEAGE_SESSION_HOURS; a wrong key is HTTP 401 UNAUTHENTICATED and sets nothing. Each attempt
  spends one request of the client address's anonymous rate limit (`api.ratelimit`), so keys
  cannot be tried here faster than anywhere else (HTTP 429 RATE_LIMITED with Retry-After).
- DELETE: deletes the session and clears the cookie.

POST and DELETE follow the CSRF rule of cookie requests (`api.web.csrf`), so another site can
neither sign a visitor in with its own key nor sign them out.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import Services
from api.errors import RETRY_AFTER_SECONDS, ErrorCode
from api.web.csrf import SESSION_COOKIE, csrf_refusal, csrf_rejected, session_token
from graph.access.api_keys import KeyOwner
from graph.access.sessions import (
    close_session,
    open_session,
    prune_expired_sessions,
    session_owner,
)
from graph.core.errors import RateLimited, Unavailable

if TYPE_CHECKING:  # a runtime import would cycle: api.ratelimit imports api.web
    from api.ratelimit import RateLimits

log = logging.getLogger("lineage.sessions")

MAX_BODY_BYTES = 4096


def _state(services: Services, owner: KeyOwner | None) -> dict[str, Any]:
    return {
        "signedIn": owner is not None,
        "anonymousRead": services.settings.allow_anonymous_read,
        "user": None if owner is None else {"id": owner.user_id, "name": owner.user_name},
    }


def _error(status: int, code: ErrorCode, message: str) -> JSONResponse:
    headers = {"retry-after": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status,
        headers=headers,
    )


def _secure(request: Request, services: Services) -> bool:
    """Secure cookies when the page is served over https (directly or behind a proxy whose
    public URL is https); over plain http a Secure cookie would never come back."""
    return request.url.scheme == "https" or services.settings.public_url.startswith("https://")


def _clear_cookie(response: Response, request: Request, services: Services) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=_secure(request, services),
        httponly=True,
        samesite="strict",
    )


async def get_session(request: Request) -> Response:
    services: Services = request.app.state.services
    token = session_token(request.scope)
    try:
        owner = None if token is None else await session_owner(services.graph, token)
    except Unavailable as down:
        return _error(503, ErrorCode.UNAVAILABLE, down.message)
    response = JSONResponse(_state(services, owner), headers={"cache-control": "no-store"})
    if token is not None and owner is None:
        _clear_cookie(response, request, services)
    return response


async def sign_in(request: Request) -> Response:
    services: Services = request.app.state.services
    refusal = csrf_refusal(request.scope, services.settings.public_url)
    if refusal is not None:
        return csrf_rejected(refusal)
    body = await request.body()
    try:
        if len(body) > MAX_BODY_BYTES:
            raise ValueError("too large")
        payload = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    key = payload.get("apiKey") if isinstance(payload, dict) else None
    if not isinstance(key, str) or not key.strip():
        return _error(400, ErrorCode.INVALID_INPUT, 'Send a JSON object {"apiKey": "<API key>"}')
    limits: RateLimits = request.app.state.rate_limits
    try:
        limits.charge_address(request.scope)
    except RateLimited as refused:
        answer = _error(429, ErrorCode.RATE_LIMITED, refused.message)
        answer.headers["retry-after"] = str(refused.retry_after)
        return answer
    try:
        opened = await open_session(
            services.graph, key.strip(), hours=services.settings.session_hours
        )
    except Unavailable as down:
        return _error(503, ErrorCode.UNAVAILABLE, down.message)
    if opened is None:
        return _error(401, ErrorCode.UNAUTHENTICATED, "Invalid, revoked or expired API key")
    previous = session_token(request.scope)
    try:
        if previous is not None:  # signing in again replaces the session, never leaves it live
            await close_session(services.graph, previous)
        await prune_expired_sessions(services.graph)
    except Exception:  # housekeeping; the new session is open either way
        log.warning("could not close the previous or expired sessions", exc_info=True)
    response = JSONResponse(_state(services, opened.owner), headers={"cache-control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=int(services.settings.session_hours * 3600),
        path="/",
        secure=_secure(request, services),
        httponly=True,
        samesite="strict",
    )
    log.info("signed in", extra={"user": opened.owner.user_name, "key_id": opened.owner.key_id})
    return response


async def sign_out(request: Request) -> Response:
    services: Services = request.app.state.services
    refusal = csrf_refusal(request.scope, services.settings.public_url)
    if refusal is not None:
        return csrf_rejected(refusal)
    token = session_token(request.scope)
    if token is not None:
        try:
            await close_session(services.graph, token)
        except Unavailable as down:
            return _error(503, ErrorCode.UNAVAILABLE, down.message)
    response = JSONResponse(_state(services, None), headers={"cache-control": "no-store"})
    _clear_cookie(response, request, services)
    return response


def session_routes() -> list[Route]:
    return [
        Route("/auth/session", get_session, methods=["GET"]),
        Route("/auth/session", sign_in, methods=["POST"]),
        Route("/auth/session", sign_out, methods=["DELETE"]),
    ]
