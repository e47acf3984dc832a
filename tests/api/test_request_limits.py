"""What one request may cost: list arguments and variable defaults count, the answer is bounded.

The query cost estimate (`api/access/query_limits.py`) refuses before anything runs; the answer's
size bound (`api/limits.py`, `LINEAGE_MAX_RESPONSE_BYTES`) is checked on what was resolved and
is exercised over real HTTP, on a uvicorn server of its own with a small bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.access.query_limits import MAX_QUERY_COST
from api.limits import ResponseSizeLimit
from graph.access import orgs
from graph.core.driver import Graph
from lineage import artifact_queries
from lineage.artifact_version import FILES_PAGE, MANY_FILES_LIMIT, MANY_VERSIONS
from storage.base import BlobStore
from tests import conftest
from tests.conftest import ApiClient, SessionUser, start_live_server
from tests.model_writer import log_version
from tests.test_hostile_input import codes, nested_pages


@pytest.fixture
async def version_id(
    api: ApiClient, graph: Graph, s3_store: BlobStore, unique: Callable[[str], str]
) -> str:
    """The global id of a committed one-file version the session user may read."""
    org = unique("org")
    await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
        "{ errors { code } } }",
        {"o": org},
    )
    await log_version(graph, org, "p", "data", blobs=s3_store)
    found = await api.data(
        "query($p: String!) { artifactVersion(path: $p) { id } }", {"p": f"{org}/p/data"}
    )
    value: str = found["artifactVersion"]["id"]
    return value


FILES_OF = "artifactFiles(versionIds: $ids, first: 1000) { files { edges { node { path url } } } }"


async def test_list_arguments_multiply_what_a_field_costs(api: ApiClient, version_id: str) -> None:
    # the request: 30 aliases of 20 versions x 1,000 files (600,000 files, 143 MB)
    aliased = " ".join(f"a{i}: {FILES_OF}" for i in range(30))
    body = await api.gql(f"query($ids: [ID!]!) {{ {aliased} }}", {"ids": [version_id] * 20})
    assert body["data"] is None and codes(body) == ["LIMIT_EXCEEDED"], str(body)[:300]
    assert str(MAX_QUERY_COST) in body["errors"][0]["message"]
    # the list written in the document counts the same
    ids = ", ".join([f'"{version_id}"'] * 20)
    literal = " ".join(f"a{i}: {FILES_OF.replace('$ids', f'[{ids}]')}" for i in range(3))
    body = await api.gql(f"{{ {literal} }}")
    assert codes(body) == ["LIMIT_EXCEEDED"]
    # one version per field is cheap, even in 30 aliases
    body = await api.gql(f"query($ids: [ID!]!) {{ {aliased} }}", {"ids": [version_id]})
    assert "errors" not in body, body.get("errors")
    assert [len(body["data"][f"a{i}"]) for i in range(30)] == [1] * 30


async def test_the_sdks_largest_requests_fit(api: ApiClient, version_id: str) -> None:
    """`download_artifacts` asks for MANY_VERSIONS versions x (MANY_FILES_LIMIT / that) files,
    the most artifactFiles allows; a single version's files come FILES_PAGE at a time."""
    first = MANY_FILES_LIMIT // MANY_VERSIONS
    body = await api.gql(
        artifact_queries.MANY_FILES, {"ids": [version_id] * MANY_VERSIONS, "first": first}
    )
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["artifactFiles"]) == MANY_VERSIONS
    body = await api.gql(artifact_queries.FILES, {"id": version_id, "first": FILES_PAGE})
    assert "errors" not in body, body.get("errors")


NESTED = (
    'query($o: String!, $n: Int{default}) {{ project(organization: $o, name: "p") {{ {pages} }} }}'
)


async def test_declared_variable_defaults_count_like_literals(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    pages = nested_pages(3, "$n")

    async def cost_codes(default: str, variables: dict[str, Any]) -> list[str | None]:
        document = NESTED.format(default=default, pages=pages)
        return codes(await api.gql(document, {"o": org, **variables}))

    assert await cost_codes(" = 100", {}) == ["LIMIT_EXCEEDED"]  # ran before: default unseen
    assert await cost_codes(" = 5", {}) == []  # refused before: counted as 20 per page
    assert await cost_codes(" = 100", {"n": 5}) == []  # a supplied value wins
    assert await cost_codes(" = 5", {"n": 100}) == ["LIMIT_EXCEEDED"]
    assert await cost_codes("", {"n": 100.0}) == ["LIMIT_EXCEEDED"]  # Int accepts 100.0
    assert await cost_codes(" = 100", {"n": None}) == []  # null: the server's default page
    assert await orgs.organization_by_name(graph, org) is None


@pytest.fixture(scope="module")
def small_answers(
    neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory, session_user: SessionUser
) -> Iterator[str]:
    """A real server whose answers may hold at most 300 bytes; yields its GraphQL URL."""
    settings = conftest.test_settings(
        port=conftest._free_port(),
        neo4j_uri=neo4j_uri,
        blob_store_url=str(tmp_path_factory.mktemp("blobs")),
        data_dir=Path(tmp_path_factory.mktemp("data")),
        max_response_bytes=300,
    )
    server, thread = start_live_server(settings)
    try:
        yield f"http://127.0.0.1:{settings.port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def test_an_answer_over_the_size_bound_is_refused_whole(
    small_answers: str, session_user: SessionUser
) -> None:
    async with httpx.AsyncClient(headers=session_user.headers, timeout=60) as http:
        small = await http.post(small_answers, json={"query": "{ serverInfo { version } }"})
        assert small.status_code == 200 and small.json() == {
            "data": {"serverInfo": {"version": "0.1.0"}}
        }
        big = await http.post(small_answers, json={"query": "{ __schema { types { name } } }"})
        assert big.status_code == 200
        body = big.json()
        assert body["data"] is None and codes(body) == ["LIMIT_EXCEEDED"]
        assert "300 bytes" in body["errors"][0]["message"]
        assert len(big.content) < 1000  # the refusal, not a cut-off answer


async def test_a_mutation_whose_answer_is_too_big_says_it_was_applied(
    small_answers: str, session_user: SessionUser, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    typenames = " ".join(f"t{i}: __typename" for i in range(20))
    async with httpx.AsyncClient(headers=session_user.headers, timeout=60) as http:
        response = await http.post(
            small_answers,
            json={
                "query": "mutation($o: String!) { createProject(input: {organization: $o, "
                'name: "p"}) { project { id name path } errors { code } } ' + typenames + " }",
                "variables": {"o": org},
            },
        )
    body = response.json()
    assert body["data"] is None and codes(body) == ["LIMIT_EXCEEDED"]
    assert "was applied" in body["errors"][0]["message"]
    assert await orgs.organization_by_name(graph, org) is not None


def test_the_bound_is_measured_as_the_view_encodes() -> None:
    assert ResponseSizeLimit.measure({"a": "é"}, []) == len('{"data":{"a":"\\u00e9"}}')


async def test_a_document_of_several_operations_needs_an_operation_name(api: ApiClient) -> None:
    """The spec's rule: Strawberry ran the first operation (a walk-through found it)."""
    document = (
        "query A { me { name } } "
        'mutation B { createOrganization(input: {name: "multi-op"}) { errors { code } } }'
    )
    refused = await api.gql(document)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "operationName" in refused["errors"][0]["message"]
    response = await api.http.post("/graphql", json={"query": document, "operationName": "A"})
    assert response.json()["data"]["me"]["name"]
