"""Registry lookups read while the caller is authorised (issue 15): the read never answers,
and never writes, before the caller is allowed.

`registry`, `registryCollection` and `registryVersion` start their read-only lookup alongside
the authorisation lookup; these tests pin down that a refused caller still gets only the refusal
and that only an allowed reader creates an organisation's core registries on first read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString

from graph.access.memberships import add_member
from graph.access.orgs import ensure_project
from graph.access.users import create_user
from graph.core.driver import Graph
from graph.core.tx import fetch_one
from tests.conftest import ApiClient

REGISTRY = """
query($org: String!) { registry(organization: $org, name: "model") { name isCore } }
"""

COLLECTION = "query($p: String!) { registryCollection(path: $p) { name } }"

VERSION = "query($p: String!) { registryVersion(path: $p) { path } }"

COUNT_REGISTRIES: LiteralString = """
MATCH (o:Organization {name: $org})
RETURN COUNT { (r:Registry) WHERE r.org_id = o.id } AS n
"""


async def _registries(graph: Graph, org: str) -> int:
    row = await graph.read(fetch_one, COUNT_REGISTRIES, org=org)
    assert row is not None
    return int(row["n"])


async def _key(graph: Graph, name: str) -> dict[str, str]:
    _, key = await create_user(graph, name, with_key=True)
    assert key is not None
    return {"authorization": f"Bearer {key.secret}"}


def _codes(body: dict[str, Any]) -> list[str]:
    errors: list[dict[str, Any]] = body.get("errors") or []
    return [e["extensions"]["code"] for e in errors]


async def test_an_outsider_is_refused_and_creates_no_core_registries(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await ensure_project(graph, org, "p")  # an organisation whose registries nobody read yet
    assert await _registries(graph, org) == 0
    outsider = await _key(graph, unique("outsider"))

    body = await api.gql(REGISTRY, {"org": org}, headers=outsider)
    assert (_codes(body), body["data"]) == (["FORBIDDEN"], {"registry": None})
    for query, path, field in (
        (COLLECTION, f"{org}/registry-model/c", "registryCollection"),
        (VERSION, f"{org}/registry-model/c:latest", "registryVersion"),
    ):
        body = await api.gql(query, {"p": path}, headers=outsider)
        assert (_codes(body), body["data"]) == (["FORBIDDEN"], {field: None})
    assert await _registries(graph, org) == 0

    reader_name = unique("reader")
    reader = await _key(graph, reader_name)
    await add_member(graph, org, reader_name, "viewer", actor="test")
    data = await api.data(REGISTRY, {"org": org}, headers=reader)
    assert data["registry"] == {"name": "model", "isCore": True}
    assert await _registries(graph, org) == 2


async def test_a_reader_gets_null_for_what_is_missing(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await ensure_project(graph, org, "p")
    reader_name = unique("reader")
    reader = await _key(graph, reader_name)
    await add_member(graph, org, reader_name, "viewer", actor="test")

    missing = await api.data(
        'query($org: String!) { registry(organization: $org, name: "nope") { name } }',
        {"org": org},
        headers=reader,
    )
    assert missing == {"registry": None}
    for query, path, field in (
        (COLLECTION, f"{org}/registry-model/c", "registryCollection"),
        (VERSION, f"{org}/registry-model/c:v0", "registryVersion"),
        (VERSION, f"{org}/registry-nope/c:latest", "registryVersion"),
    ):
        assert await api.data(query, {"p": path}, headers=reader) == {field: None}
