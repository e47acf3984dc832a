"""The Starlette application: GraphQL at /graphql, health probes, signed blob URLs, and the web
app (`api.web`) at every other page path.

The Neo4j driver and the blob store are opened in the lifespan and reach resolvers through the
typed `Context`; nothing is a module global, so tests build as many apps as they like.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.access.safe_json import SafeJsonParsing
from api.authz import Caller, authenticate
from api.blob_routes import download_blob, upload_blob
from api.bootstrap_admin import first_start
from api.context import Context, Services, webhook_settings
from api.errors import RETRY_AFTER_SECONDS, ErrorCode, retry_later, with_codes
from api.events.hub import EventHub
from api.events.readers import Credentials, connection_authorization
from api.limits import BodySizeLimit
from api.logs import AccessLog
from api.openlineage.routes import openlineage_routes
from api.ratelimit import CALLER_STATE, RateLimit, RateLimits, admit
from api.schema import schema
from api.settings import Settings
from api.web import STATIC_DIR, SecurityHeaders, WithGraphiQL, page_routes, session_routes
from api.web.csrf import has_bearer, session_token
from api.web.downloads import download_routes
from graph.core.bootstrap import bootstrap
from graph.core.driver import connect
from graph.core.errors import DomainError
from storage.factory import open_blob_store
from storage.signing import UrlSigner
from workflows.sweeper import run_sweeper
from workflows.webhooks.worker import run_webhook_worker

log = logging.getLogger("lineage.app")

KEEP_ALIVE_SECONDS = 15.0
"""How often an idle subscription connection is pinged, so proxies keep it open."""

PROBE_SECONDS = 5.0
"""A readiness probe that takes longer counts as unavailable (a hung server never answers)."""


_REQUEST_ERROR_CODES = {404: ErrorCode.NOT_FOUND, 413: ErrorCode.LIMIT_EXCEEDED}


class LineageGraphQL(SafeJsonParsing, GraphQL[Context, None]):  # bad JSON: 400, never 500
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers a request it cannot run (bad JSON, a batch, a wrong content type
        or method, an unknown operationName) in plain text; GraphQL clients look for
        `errors[].extensions.code`, so these get the same JSON shape every other error has."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            code = _REQUEST_ERROR_CODES.get(error.status_code, ErrorCode.INVALID_INPUT)
            response = JSONResponse(
                {"errors": [{"message": error.reason, "extensions": {"code": code.value}}]},
                status_code=error.status_code,
            )
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        services: Services = request.app.state.services
        authorization = request.headers.get("authorization")
        session = None if has_bearer(request.scope) else session_token(request.scope)
        if isinstance(request, Request):
            session = None  # HTTP: the RateLimit middleware applied the CSRF rule and decided
        caller: Caller | None = request.scope.get("state", {}).get(CALLER_STATE)
        if caller is None:  # a WebSocket, or not through the RateLimit middleware
            caller = await authenticate(
                authorization,
                services.graph,
                anonymous_read=services.settings.allow_anonymous_read,
                session=session,
            )
        return Context(
            services=services,
            request=request,
            response=response if isinstance(response, Response) else None,
            caller=caller,
            credentials=Credentials(authorization, session),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """`connection_init` may carry the credentials (browsers cannot set headers on a
        WebSocket): `{"Authorization": "Bearer <key>"}`. A connection spends the caller's
        rate-limit bucket like a request. Refused credentials, a spent bucket or Neo4j away
        close it (strawberry's 4403) before any subscription starts."""
        authorization = connection_authorization(context.connection_params or {})
        credentials = context.credentials if authorization is None else Credentials(authorization)
        limits: RateLimits = context.request.app.state.rate_limits
        try:
            caller = await admit(
                limits,
                context.services,
                credentials.authorization,
                credentials.session,
                context.request.scope,
            )
        except DomainError as refused:  # RATE_LIMITED, UNAVAILABLE
            raise ConnectionRejectionError(
                {"message": refused.message, "code": refused.code}
            ) from None
        context.caller, context.credentials = caller, credentials
        if caller.refused is not None:
            raise ConnectionRejectionError({"message": caller.refused})
        unset: UnsetType = UNSET
        return unset

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        return with_codes(await super().process_result(request, result))

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """HTTP 503 with Retry-After when the whole request failed because Neo4j or the blob
        store is down (`api.errors.retry_later`); a partly answered request keeps its 200."""
        response = super().create_response(response_data, sub_response)
        answers = response_data if isinstance(response_data, list) else [response_data]
        if answers and all(retry_later(cast(dict[str, Any], answer)) for answer in answers):
            response.status_code = 503
            response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return response


async def open_services(settings: Settings) -> Services:
    """Connect to Neo4j (bootstrapping its schema) and open the blob store."""
    graph = connect(settings.effective_neo4j_uri, *settings.neo4j_auth(), settings.neo4j_database)
    version = await bootstrap(graph)
    blobs = open_blob_store(
        settings.blob_store,
        signer=UrlSigner(settings.secret_key.value.encode()),
        public_base_url=settings.base_url,
        s3_endpoint_url=settings.s3_endpoint_url,
        s3_region=settings.s3_region,
        s3_public_endpoint_url=settings.s3_public_endpoint_url,
    )
    log.info(
        "services ready",
        extra={
            "neo4j": settings.effective_neo4j_uri,
            "graph_schema_version": version,
            "blob_store": blobs.kind,
        },
    )
    return Services(settings=settings, graph=graph, blobs=blobs)


async def close_services(services: Services) -> None:
    await services.blobs.close()
    await services.graph.close()


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Green only when both Neo4j and the blob store answer, each within `PROBE_SECONDS`."""
    services: Services = request.app.state.services
    checks: dict[str, Any] = {}
    for name, probe in (("neo4j", services.graph.ping), ("blob_store", services.blobs.ping)):
        try:
            await asyncio.wait_for(probe(), timeout=PROBE_SECONDS)
            checks[name] = "ok"
        except Exception as error:  # a probe reports, it never raises
            log.warning("readiness probe failed", extra={"check": name, "error": repr(error)})
            checks[name] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    static_dir: Path = STATIC_DIR,
    run_webhook_deliveries: bool = False,
) -> Starlette:
    """Build the app; pass `services` to share already-open connections (tests do), and
    `static_dir` to serve another build of the web app. An app that opens its own services
    also runs the sweeper and the webhook worker; with shared services, only the worker and
    only when `run_webhook_deliveries` asks for it."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services if services is not None else await open_services(settings)
        if owned:  # zero-configuration first start: a server admin key in the data folder
            await first_start(settings, app.state.services.graph)
        running: Services = app.state.services
        background: list[asyncio.Task[None]] = []
        if owned and settings.sweep_interval_seconds > 0:
            background.append(
                asyncio.create_task(
                    run_sweeper(running.graph, running.blobs, running.workflow_settings)
                )
            )
        if (owned and settings.webhook_worker) or run_webhook_deliveries:  # leases keep it once
            background.append(
                asyncio.create_task(run_webhook_worker(running.graph, webhook_settings(settings)))
            )
        try:
            yield
        finally:
            hub: EventHub | None = getattr(app.state, "event_hub", None)
            if hub is not None:
                await hub.close()
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned:
                await close_services(app.state.services)

    graphql = LineageGraphQL(  # GraphiQL is the app's, from local files
        schema,
        graphql_ide=None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        keep_alive=True,
        keep_alive_interval=KEEP_ALIVE_SECONDS,
    )
    routes = [
        Route("/graphql", WithGraphiQL(graphql, static_dir), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/blobs/{digest}", upload_blob, methods=["PUT"]),
        Route("/blobs/{digest}", download_blob, methods=["GET", "HEAD"]),
        *session_routes(),
        *download_routes(),  # /files/... and /manifests/...: same-origin downloads
        *openlineage_routes(),  # POST /api/v1/lineage (OpenLineage's HTTP transport), export
        *page_routes(static_dir),  # last: every other GET path is a page of the app
    ]
    limits = RateLimits(
        settings.rate_limit_per_key, settings.rate_limit_anonymous, settings.rate_limit_tables
    )
    middleware = [
        Middleware(AccessLog),
        Middleware(SecurityHeaders),
        Middleware(BodySizeLimit, max_bytes=settings.max_request_bytes),
        Middleware(RateLimit, limits=limits),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.rate_limits = limits  # downloads spend the same buckets (api.web.downloads)
    if services is not None:
        app.state.services = services
    return app


def app_from_env() -> Starlette:
    """The app of one `lineage serve --workers N` worker process: settings from the
    environment the parent passed on (uvicorn imports this by name in each worker)."""
    return create_app(Settings.from_env())
