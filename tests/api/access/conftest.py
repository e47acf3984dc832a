"""Identities for access-control tests: users with their own API keys, and an anonymous client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from api.app import create_app
from api.authz import Caller, authenticate
from api.context import Services
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import ApiClient


@dataclass(frozen=True)
class Identity:
    id: str
    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}"}


MakeUser = Callable[..., Awaitable[Identity]]


@pytest.fixture
def make_user(graph: Graph, unique: Callable[[str], str]) -> MakeUser:
    """`await make_user()` -> a new ordinary user with one API key (`server_admin=True` too)."""

    async def make(prefix: str = "user", *, server_admin: bool = False) -> Identity:
        user, key = await create_user(
            graph, unique(prefix), is_server_admin=server_admin, with_key=True
        )
        assert key is not None
        return Identity(id=user.id, name=user.name, key=key.secret)

    return make


async def caller_of(graph: Graph, identity: Identity) -> Caller:
    """A fresh request's caller for `identity` (what the app builds per request)."""
    return await authenticate(f"Bearer {identity.key}", graph)


@pytest.fixture
async def anonymous(s3_services: Services) -> AsyncIterator[ApiClient]:
    """The in-process app without any Authorization header."""
    app = create_app(s3_services.settings, services=s3_services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lineage.test") as http:
        yield ApiClient(http=http)
