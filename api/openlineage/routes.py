"""The OpenLineage HTTP endpoints (docs/openlineage.md).

- `POST /api/v1/lineage`: one event (a JSON object) or a batch (a JSON array, at most
  `MAX_EVENTS`), as the OpenLineage HTTP transport sends them (also gzip-encoded). Every event
  is validated first: one invalid event refuses the whole request (400, naming the event's JSON
  path) and nothing is stored. Valid events are recorded in one transaction
  (`graph.lineage.openlineage`); the answer lists counts and the events refused one by one (a
  cycle, a run id of a run not from OpenLineage), with 409 when there are any, 200 otherwise.
- `GET /api/v1/lineage/export?node=<global or stored id>&depth=N`: the lineage around a run or
  version as OpenLineage events, one JSON object per line (`api.openlineage.export`).

Both authenticate like the API (`Authorization: Bearer <key>`, which the OpenLineage client's
`api_key` auth sends), charge the caller's rate-limit bucket (`api.ratelimit.admit`) and are
decided by `api.authz.decide`: WRITE in the target organisation to ingest, READ in the node's to
export. The organisation is `?organization=`, else the `X-Lineage-Organization` header, else
the caller's only organisation.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api.access.safe_json import unsafe_json
from api.artifacts.ids import SAME_OBJECT, typed_node_id
from api.authz import AUTHENTICATION_REQUIRED, Action, Caller, decide
from api.context import Services
from api.errors import RETRY_AFTER_SECONDS, ErrorCode
from api.openlineage.export import export_events
from api.openlineage.mapping import Naming, map_event
from api.openlineage.validation import InvalidEvent, validate_event
from api.ratelimit import RateLimits, admit
from graph.access.memberships import memberships_of_user
from graph.core.errors import DomainError, RateLimited
from graph.lineage.openlineage import describe, ingest_openlineage
from graph.lineage.openlineage_export import MAX_DEPTH, export_graph
from graph.lineage.openlineage_model import OlDatasetEvent, OlRunEvent

LINEAGE_PATH = "/api/v1/lineage"
EXPORT_PATH = "/api/v1/lineage/export"
MAX_EVENTS = 10_000
ORGANIZATION_HEADER = "x-lineage-organization"
STATUS = {
    "INVALID_INPUT": 400,
    "INVALID_NAME": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "CYCLE": 409,
    "LIMIT_EXCEEDED": 413,
    "RATE_LIMITED": 429,
    "UNAVAILABLE": 503,
}


class Refusal(Exception):
    def __init__(self, status: int, code: ErrorCode, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extensions = status, code, message, extensions

    def response(self) -> JSONResponse:
        headers = {"cache-control": "no-store"}
        if self.status == 503:
            headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        if self.status == 429:
            headers["retry-after"] = str(self.extensions.pop("retry_after", 1))
        body = {"message": self.message, "extensions": {"code": self.code.value, **self.extensions}}
        return JSONResponse({"errors": [body]}, status_code=self.status, headers=headers)


def _refusal(error: DomainError) -> Refusal:
    extensions: dict[str, Any] = {} if error.field is None else {"field": error.field}
    if isinstance(error, RateLimited):
        extensions["retry_after"] = error.retry_after
    return Refusal(STATUS.get(error.code, 400), ErrorCode(error.code), error.message, **extensions)


async def _caller(request: Request, services: Services) -> Caller:
    limits: RateLimits = request.app.state.rate_limits
    caller = await admit(
        limits, services, request.headers.get("authorization"), None, request.scope
    )
    if caller.user_id is None and (caller.refused is not None or not caller.anonymous_read):
        raise Refusal(401, ErrorCode.UNAUTHENTICATED, caller.refused or AUTHENTICATION_REQUIRED)
    return caller


async def _body(request: Request, limit: int) -> Any:
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip"):  # never parse a br or zstd body as JSON
        raise Refusal(
            415, ErrorCode.INVALID_INPUT, f"Content-Encoding {encoding!r}: send gzip or none"
        )
    if encoding == "gzip":
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            raw = inflater.decompress(raw, 8 * limit)
        except zlib.error:
            raise Refusal(400, ErrorCode.INVALID_INPUT, "The body is not valid gzip") from None
        if inflater.unconsumed_tail:
            raise Refusal(413, ErrorCode.LIMIT_EXCEEDED, "The decompressed body is too large")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurd nesting
        raise Refusal(400, ErrorCode.INVALID_INPUT, "The body is not JSON", path="$") from None
    problem = unsafe_json(value)
    if problem is not None:
        raise Refusal(400, ErrorCode.INVALID_INPUT, f"The body {problem}", path="$")
    return value


async def _organization(request: Request, services: Services, caller: Caller) -> str:
    named = request.query_params.get("organization") or request.headers.get(ORGANIZATION_HEADER)
    if named:
        return named
    if caller.user_id is not None:
        members, total = await memberships_of_user(services.graph, caller.user_id, 0, 2)
        if total == 1:
            return members[0].org_name
    raise Refusal(
        400,
        ErrorCode.INVALID_INPUT,
        "Name the organisation: ?organization=<name> or the X-Lineage-Organization header "
        "(needed unless the API key's user belongs to exactly one organisation)",
        field="organization",
    )


async def ingest(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        caller = await _caller(request, services)
        payload = await _body(request, services.settings.max_request_bytes)
        batch = isinstance(payload, list)
        events: list[Any] = payload if batch else [payload]
        if len(events) > MAX_EVENTS:
            raise Refusal(413, ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_EVENTS} events a request")
        try:
            kinds = [
                validate_event(event, f"$[{i}]" if batch else "$") for i, event in enumerate(events)
            ]
        except InvalidEvent as invalid:
            message = f"Invalid OpenLineage event at {invalid.path}: {invalid.message}"
            raise Refusal(400, ErrorCode.INVALID_INPUT, message, path=invalid.path) from None
        org = await _organization(request, services, caller)
        await decide(caller, Action.WRITE, org=org, creates=False)
        naming = Naming(services.settings.openlineage_projects)
        mapped = [
            map_event(i, event, kind, naming)
            for i, (event, kind) in enumerate(zip(events, kinds, strict=True))
        ]
        outcomes = await ingest_openlineage(
            services.graph,
            org,
            [m for m in mapped if isinstance(m, OlRunEvent)],
            [m for m in mapped if isinstance(m, OlDatasetEvent)],
            actor=caller.name,
        )
    except Refusal as refused:
        return refused.response()
    except DomainError as error:
        return _refusal(error).response()
    counts = describe(outcomes)
    refused_events = [
        {"index": o.index, "code": o.code, "message": o.message}
        for o in outcomes
        if o.status == "refused"
    ]
    body = {
        "organization": org,
        "received": len(events),
        "stored": counts["stored"],
        "duplicates": counts["duplicate"],
        "refused": refused_events,
    }
    return JSONResponse(body, status_code=409 if refused_events else 200)


async def export(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        caller = await _caller(request, services)
        given = request.query_params.get("node") or ""
        try:
            depth = int(request.query_params.get("depth") or "3")
        except ValueError:
            raise Refusal(
                400, ErrorCode.INVALID_INPUT, "depth is an integer", field="depth"
            ) from None
        if not 0 <= depth <= MAX_DEPTH:
            raise Refusal(400, ErrorCode.INVALID_INPUT, f"depth is 0 to {MAX_DEPTH}", field="depth")
        node_id = _stored_id(given)
        found = None if not node_id else await export_graph(services.graph, node_id, depth)
        if found is None:
            raise Refusal(404, ErrorCode.NOT_FOUND, "No such run or version", field="node")
        await decide(caller, Action.READ, org=found.org)
    except Refusal as refused:
        return refused.response()
    except DomainError as error:
        if error.code in {"FORBIDDEN", "NOT_FOUND"}:  # never tell a hidden node from a missing one
            return Refusal(404, ErrorCode.NOT_FOUND, "No such run or version").response()
        return _refusal(error).response()
    lines = "".join(
        json.dumps(event, separators=(",", ":")) + "\n" for event in export_events(found)
    )
    headers = {"cache-control": "no-store", "x-lineage-truncated": str(found.truncated).lower()}
    return Response(lines, media_type="application/x-ndjson", headers=headers)


def _stored_id(given: str) -> str:
    """The stored id a global id (Run, ArtifactVersion, LineageVersion) or a stored id names."""
    for type_name in ("Run", "ArtifactVersion"):
        stored = typed_node_id(given, SAME_OBJECT.get(type_name, (type_name,)))
        if stored:
            return stored
    return given


def openlineage_routes() -> list[BaseRoute]:
    return [
        Route(LINEAGE_PATH, ingest, methods=["POST"]),
        Route(EXPORT_PATH, export, methods=["GET"]),
    ]
