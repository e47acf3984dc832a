"""The GraphQL schema: root types merged from each feature's `schema.py`.

`schema.graphql` at the repository root is this schema printed by `lineage export-schema`; a test
fails when the two differ, so the published contract only changes on purpose.
"""

from __future__ import annotations

import logging
from datetime import datetime

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import get_object_definition

from api import access, artifacts, events, lineage, registry, webhooks  # noqa: F401  (features)
from api.access import schema as access_schema
from api.access.claims import SettleClaims
from api.access.query_limits import QueryCostLimiter
from api.artifacts import schema as artifacts_schema
from api.context import Context
from api.errors import MaskInternalErrors
from api.events import schema as events_schema
from api.limits import ResponseSizeLimit
from api.lineage import schema as lineage_schema
from api.nodes import ObjectIdsOnly
from api.openlineage import schema as openlineage_schema
from api.orgs import OrgMutation, OrgQuery
from api.registry import schema as registry_schema
from api.timestamps import DATETIME
from api.webhooks import schema as webhooks_schema
from graph.core.bootstrap import LATEST_SCHEMA_VERSION

SERVICE_VERSION = "0.1.0"

_FEATURES = (
    artifacts_schema,
    lineage_schema,
    registry_schema,
    access_schema,
    events_schema,
    webhooks_schema,
    openlineage_schema,
)


@strawberry.type(description="What this server is.")
class ServerInfo:
    version: str = strawberry.field(description="Version of the Lineage service, e.g. `0.1.0`.")
    graph_schema_version: int = strawberry.field(
        description="Version of the graph's schema (constraints, indexes, migrations) the "
        "server runs with."
    )
    blob_store: str = strawberry.field(description="Where blobs are stored: `s3` or `local`.")


@strawberry.type(description="Root fields every client needs: lookup by id, server facts.")
class CoreQuery:
    node: relay.Node | None = relay.node(
        description="Any object by its global id, or null when there is none; INVALID_INPUT "
        "for an id whose type is not an object type.",
        extensions=[ObjectIdsOnly()],
    )

    @strawberry.field(description="Version of the service and of its graph schema.")
    def server_info(self, info: Info[Context, None]) -> ServerInfo:
        return ServerInfo(
            version=SERVICE_VERSION,
            graph_schema_version=LATEST_SCHEMA_VERSION,
            blob_store=info.context.blobs.kind,
        )


def _merged(name: str, description: str, parts: list[type]) -> type:
    merged = merge_types(name, tuple(parts))
    get_object_definition(merged, strict=True).description = description
    return merged


Query = _merged(
    "Query",
    "Reads. Lookups by name, path or id return null when nothing matches (or the caller may "
    "not see it); lists are paged connections. Failures carry `extensions.code`, an ErrorCode.",
    [CoreQuery, OrgQuery, *[q for f in _FEATURES for q in f.QUERIES]],
)
Mutation = _merged(
    "Mutation",
    "Writes. Each takes one `input` and returns a payload whose `errors` list is empty on "
    "success; a mutation that fails changes nothing.",
    [OrgMutation, *[m for f in _FEATURES for m in f.MUTATIONS]],
)

Subscription = _merged(
    "Subscription",
    "Live streams over WebSocket (graphql-transport-ws on /graphql).",
    [s for f in _FEATURES for s in getattr(f, "SUBSCRIPTIONS", [])],
)

MAX_QUERY_DEPTH = 15
MAX_ALIASES = 30
MAX_TOKENS = 5000
DOCUMENT_CACHE_SIZE = 256
"""Distinct query texts whose parsed and validated documents are kept (LRU): dashboards and the
SDK send a few dozen texts with changing variables, so parsing and validation (a third of a small
request's time) run once per text. Bounded, so unique texts cannot grow memory."""

# Built once: the validation cache is keyed by the rule classes, and the strawberry limiters
# would make new classes per request.
_LIMIT_RULES: list[type[ASTValidationRule]] = [
    max_depth_rule(MAX_QUERY_DEPTH, None),
    max_aliases_rule(MAX_ALIASES),
]


class LineageSchema(strawberry.Schema):
    """Strawberry logs every error at ERROR with a traceback; expected ones (a refused caller,
    invalid input, a failed validation) are answers, not incidents. `MaskInternalErrors` logs
    the unexpected ones, once, with their traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            _client_errors.debug("graphql error: %s", error.message)


_client_errors = logging.getLogger("lineage.graphql")

schema = LineageSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[t for f in _FEATURES for t in f.TYPES],
    scalar_overrides={datetime: DATETIME},  # one precision for every time answered
    extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        QueryCostLimiter,  # over-wide nested pages and over-long input lists (api/access)
        SettleClaims,  # the creator of an organisation becomes its admin (api/access)
        MaskInternalErrors,
        ResponseSizeLimit,  # LINEAGE_MAX_RESPONSE_BYTES (api/limits.py)
    ],
)


def export_schema() -> str:
    """The SDL exactly as checked in to `schema.graphql`."""
    return schema.as_str().rstrip() + "\n"
