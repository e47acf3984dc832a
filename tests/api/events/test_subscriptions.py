"""The event log through the published schema: a third-party client (`gql` over its websockets
transport, graphql-transport-ws) subscribes to a real uvicorn server while the SDK logs,
aliases and links over HTTP. Nothing here writes the graph directly except the membership of a
second user (the API only adds users who already share an organisation with the caller)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.typing import Subprotocol

import lineage
from graph.access.memberships import add_member
from graph.access.users import create_user
from graph.core.driver import Graph
from tests.conftest import LiveServer, SessionUser

SDL = (Path(__file__).resolve().parents[3] / "schema.graphql").read_text()

EVENT_FIELDS = """
id cursor type time organization actor
object { type id path }
project artifact registry collection alias payload
"""

SUBSCRIBE = f"""
subscription($org: String!, $types: [EventType!], $filter: EventFilterInput, $after: String) {{
  events(organization: $org, types: $types, filter: $filter, after: $after) {{ {EVENT_FIELDS} }}
}}
"""

EVENTS_PAGE = f"""
query($org: String!, $after: String, $first: Int, $types: [EventType!]) {{
  events(organization: $org, after: $after, first: $first, types: $types) {{
    edges {{ cursor node {{ {EVENT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
    lastCursor
  }}
}}
"""

CREATE_RESTRICTED_REGISTRY = """
mutation($org: String!) {
  createRegistry(input: {organization: $org, name: "secret", acceptedTypes: ["model"],
                         visibility: RESTRICTED}) {
    registry { name } errors { code }
  }
}
"""

WAIT_SECONDS = 15.0
NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


def ws_url(server: LiveServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def subscriber(server: LiveServer, api_key: str) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(
        url=ws_url(server), init_payload={"Authorization": f"Bearer {api_key}"}
    )
    async with Client(transport=transport, schema=SDL) as session:
        yield session


class Collector:
    """Reads a subscription into a list in the background, so the test can act meanwhile."""

    def __init__(self, session: Any, variables: dict[str, Any]) -> None:
        self.events: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._run(session, variables))

    async def _run(self, session: Any, variables: dict[str, Any]) -> None:
        try:
            async for result in session.subscribe(
                GraphQLRequest(SUBSCRIBE, variable_values=variables)
            ):
                self.events.append(result["events"])
                self._arrived.set()
        except Exception as error:  # the test asserts on it
            self.error = error
            self._arrived.set()

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(WAIT_SECONDS):
            while len(self.events) < count and self.error is None:
                self._arrived.clear()
                await self._arrived.wait()
        return self.events

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@pytest.fixture
def clients() -> Iterator[list[lineage.Client]]:
    """SDK clients a test opened, closed after it."""
    opened: list[lineage.Client] = []
    yield opened
    for client in opened:
        client.close()


def sdk(server: LiveServer, api_key: str) -> lineage.Client:
    return lineage.Client(server.url, api_key=api_key)


async def log_model(
    client: lineage.Client, tmp_path: Path, org: str, name: str, content: str, **kwargs: Any
) -> lineage.ArtifactVersion:
    file = tmp_path / f"{name}-{content}.txt"
    file.write_text(content)
    artifact = lineage.Artifact(name, "model")
    artifact.add_file(file, "weights.txt")
    return await asyncio.to_thread(
        lineage.log_artifact, artifact, f"{org}/proj", client=client, progress=False, **kwargs
    )


async def last_cursor(server: LiveServer, api_key: str, org: str) -> str:
    """The log's newest cursor: subscribing `after:` it misses nothing committed later. (A
    subscription without `after` starts wherever the server's follower stands when the
    subscription is set up, which a client cannot observe.)"""
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post(
            "/graphql",
            json={"query": EVENTS_PAGE, "variables": {"org": org, "first": 0}},
            headers={"authorization": f"Bearer {api_key}"},
        )
    return str(answer.json()["data"]["events"]["lastCursor"])


async def test_a_log_alias_link_sequence_arrives_in_order(
    live_local_server: LiveServer,
    session_user: SessionUser,
    unique: Callable[[str], str],
    tmp_path: Path,
    clients: list[lineage.Client],
) -> None:
    server = live_local_server
    org = unique("events")
    client = sdk(server, server.api_key)
    clients.append(client)
    await log_model(client, tmp_path, org, "seed", "0")  # the organisation exists
    async with subscriber(server, server.api_key) as session:
        after = await last_cursor(server, server.api_key, org)
        collector = Collector(session, {"org": org, "after": after})
        version = await log_model(client, tmp_path, org, "resnet", "1", aliases=["staging"])
        await asyncio.to_thread(version.set_alias, "production")
        await asyncio.to_thread(
            lineage.link_artifact, version, f"{org}/registry-model/vision", client=client
        )
        events = await collector.wait_for(7)
        await collector.stop()
    assert collector.error is None
    got = [(e["type"], e["alias"], e["object"]["path"]) for e in events]
    v0 = f"{org}/proj/resnet:v0"
    linked = f"{org}/registry-model/vision:v0"
    assert got == [
        ("VERSION_CREATED", None, v0),
        ("ALIAS_SET", "latest", v0),
        ("ALIAS_SET", "staging", v0),
        ("ALIAS_SET", "production", v0),
        ("COLLECTION_CREATED", None, f"{org}/registry-model/vision"),
        ("VERSION_LINKED", None, linked),
        ("ALIAS_SET", "latest", linked),
    ]
    cursors = [int(e["cursor"]) for e in events]
    assert cursors == list(range(cursors[0], cursors[0] + 7)), "dense and in order"
    assert {e["actor"] for e in events} == {session_user.name}
    assert events[0]["payload"]["version"] == "v0"
    assert events[0]["object"]["id"] == version.id, "the id GraphQL answers for the version"
    assert events[5]["payload"]["source"] == v0
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as http:
        for event in events:
            answer = await http.post(
                "/graphql", json={"query": NODE, "variables": {"id": event["object"]["id"]}}
            )
            node = answer.json()["data"]["node"]
            assert node is not None and node["__typename"] == event["object"]["type"], event


async def test_resuming_after_a_disconnect_has_no_gap_and_no_duplicate(
    live_local_server: LiveServer,
    unique: Callable[[str], str],
    tmp_path: Path,
    clients: list[lineage.Client],
) -> None:
    server = live_local_server
    org = unique("resume")
    client = sdk(server, server.api_key)
    clients.append(client)
    await log_model(client, tmp_path, org, "a", "0")
    async with subscriber(server, server.api_key) as session:
        after = await last_cursor(server, server.api_key, org)
        collector = Collector(session, {"org": org, "types": ["VERSION_CREATED"], "after": after})
        await log_model(client, tmp_path, org, "a", "1")
        first = await collector.wait_for(1)
        await collector.stop()
    seen = first[-1]["cursor"]
    for content in ("2", "3", "4"):  # committed while nobody listens
        await log_model(client, tmp_path, org, "a", content)
    async with subscriber(server, server.api_key) as session:
        collector = Collector(session, {"org": org, "after": seen})
        # v1's `latest` move (the filter skipped it), then three versions, each moving `latest`
        missed = list(await collector.wait_for(7))
        await log_model(client, tmp_path, org, "a", "5")  # and then live
        resumed = await collector.wait_for(9)
        await collector.stop()
    assert [e["type"] for e in resumed] == ["ALIAS_SET"] + ["VERSION_CREATED", "ALIAS_SET"] * 4
    assert [e["object"]["path"] for e in resumed] == [f"{org}/proj/a:v1"] + [
        f"{org}/proj/a:v{n}" for n in (2, 3, 4, 5) for _ in range(2)
    ]
    cursors = [int(e["cursor"]) for e in resumed]
    assert cursors == list(range(int(seen) + 1, int(seen) + 10)), "no gap, no duplicate"
    assert missed[:7] == resumed[:7]
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as http:
        answer = await http.post(
            "/graphql",
            json={"query": EVENTS_PAGE, "variables": {"org": org, "after": seen, "first": 100}},
        )
    page = answer.json()["data"]["events"]
    assert [edge["node"] for edge in page["edges"]] == resumed, "the query pages the same log"
    assert page["lastCursor"] == resumed[-1]["cursor"]
    assert page["pageInfo"] == {"hasNextPage": False, "endCursor": resumed[-1]["cursor"]}


async def test_subscribers_see_only_what_they_may_read(
    live_local_server: LiveServer,
    graph: Graph,
    unique: Callable[[str], str],
    tmp_path: Path,
    clients: list[lineage.Client],
) -> None:
    server = live_local_server
    org, other_org = unique("scoped"), unique("elsewhere")
    client = sdk(server, server.api_key)
    clients.append(client)
    await log_model(client, tmp_path, org, "seed", "0")
    _, outsider_key = await create_user(graph, unique("outsider"), with_key=True)
    member, member_key = await create_user(graph, unique("member"), with_key=True)
    assert outsider_key is not None and member_key is not None
    await add_member(graph, org, member.name, "member", actor="test")
    outsider_client = sdk(server, outsider_key.secret)
    clients.append(outsider_client)
    await log_model(outsider_client, tmp_path, other_org, "theirs", "0")
    await asyncio.to_thread(
        client.mutate,
        CREATE_RESTRICTED_REGISTRY,
        {"org": org},
        "createRegistry",
    )
    async with (
        subscriber(server, member_key.secret) as member_session,
        subscriber(server, outsider_key.secret) as outsider_session,
    ):
        after = await last_cursor(server, member_key.secret, org)
        members = Collector(member_session, {"org": org, "after": after})
        with pytest.raises(TransportQueryError) as refused:
            async for _ in outsider_session.subscribe(
                GraphQLRequest(SUBSCRIBE, variable_values={"org": org})
            ):
                pass
        assert refused.value.errors is not None
        assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"
        version = await log_model(client, tmp_path, org, "private", "1")
        await asyncio.to_thread(
            lineage.link_artifact, version, f"{org}/registry-secret/hidden", client=client
        )
        await asyncio.to_thread(version.set_alias, "visible")  # after the link, in the project
        events = await members.wait_for(3)
        await asyncio.sleep(0.5)  # anything hidden would have arrived by now, in order
        await members.stop()
    assert [(e["type"], e["alias"]) for e in members.events] == [
        ("VERSION_CREATED", None),
        ("ALIAS_SET", "latest"),
        ("ALIAS_SET", "visible"),
    ]
    assert all(e["registry"] is None for e in events)
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.post(
            "/graphql",
            json={"query": EVENTS_PAGE, "variables": {"org": org, "first": 100}},
            headers={"authorization": f"Bearer {member_key.secret}"},
        )
        admin_page = await http.post(
            "/graphql",
            json={"query": EVENTS_PAGE, "variables": {"org": org, "first": 100}},
            headers=server.headers,
        )
    member_types = [e["node"]["type"] for e in page.json()["data"]["events"]["edges"]]
    admin_types = [e["node"]["type"] for e in admin_page.json()["data"]["events"]["edges"]]
    assert "VERSION_LINKED" not in member_types and "VERSION_LINKED" in admin_types


async def test_a_refused_key_closes_the_connection(live_local_server: LiveServer) -> None:
    """At `connection_init`, with the protocol's own close code, before any subscription."""
    async with websockets.connect(
        ws_url(live_local_server), subprotocols=[Subprotocol("graphql-transport-ws")]
    ) as socket:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_only_graphql_transport_ws_is_spoken(live_local_server: LiveServer) -> None:
    async with websockets.connect(
        ws_url(live_local_server), subprotocols=[Subprotocol("graphql-ws")]
    ) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406
