"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from api.authz import ANONYMOUS, Action, Caller, decide
from api.events.hub import EventHub
from api.events.readers import Credentials
from api.loaders import Loaders
from api.settings import Settings
from graph.core.driver import Graph
from storage.base import BlobStore
from workflows.settings import WorkflowSettings
from workflows.webhooks.settings import WebhookSettings


def workflow_settings(settings: Settings) -> WorkflowSettings:
    """The part of the service settings the workflows read."""
    return WorkflowSettings(
        signed_url_ttl_seconds=settings.signed_url_ttl_seconds,
        sweep_interval_seconds=settings.sweep_interval_seconds,
        event_retention_days=settings.event_retention_days,
    )


def webhook_settings(settings: Settings) -> WebhookSettings:
    """The part of the service settings the webhook worker and URL guard read."""
    return WebhookSettings(
        allow_http=settings.webhook_allow_http,
        allow_private_addresses=settings.webhook_allow_private_addresses,
        timeout_seconds=settings.webhook_timeout_seconds,
        retry_seconds=settings.webhook_retry_seconds,
        backoff_seconds=settings.webhook_backoff_seconds,
        disable_after_failures=settings.webhook_disable_after_failures,
        poll_seconds=settings.event_poll_seconds,
        secret_key=settings.secret_key.value,
    )


@dataclass
class Services:
    """What lives for the whole process: opened and closed in the app's lifespan."""

    settings: Settings
    graph: Graph
    blobs: BlobStore

    @property
    def workflow_settings(self) -> WorkflowSettings:
        return workflow_settings(self.settings)

    @property
    def webhook_settings(self) -> WebhookSettings:
        return webhook_settings(self.settings)


@dataclass
class Context:
    services: Services
    request: Request | WebSocket
    response: Response | None = None
    caller: Caller = ANONYMOUS
    credentials: Credentials = field(default_factory=Credentials)
    """What the caller authenticated with, kept so a subscription can check it again later."""
    connection_params: dict[str, object] | None = None
    """A WebSocket's `connection_init` payload (strawberry sets it)."""
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def workflow_settings(self) -> WorkflowSettings:
        return self.services.workflow_settings

    @property
    def webhook_settings(self) -> WebhookSettings:
        return self.services.webhook_settings

    @property
    def graph(self) -> Graph:
        return self.services.graph

    @property
    def event_hub(self) -> EventHub:
        """The app's follower of the event log, made on first use (apps built around shared
        services have no lifespan of their own to make it in)."""
        state = self.request.app.state
        hub: EventHub | None = getattr(state, "event_hub", None)
        if hub is None:
            hub = EventHub(self.graph, self.settings.event_poll_seconds)
            state.event_hub = hub
        return hub

    @property
    def blobs(self) -> BlobStore:
        return self.services.blobs

    async def authorize(
        self,
        action: Action,
        *,
        org: str,
        registry: str | None = None,
        registry_field: str = "registry",
    ) -> None:
        """Raise unless the caller may do `action` in organisation `org` (and `registry`; a
        registry that is missing or hidden from the caller is `NotFound` on `registry_field`)."""
        await decide(self.caller, action, org=org, registry=registry, registry_field=registry_field)
