"""Malformed, huge or over-complex requests: refused with a clear code, before anything runs.

Each refusal is checked to have happened before execution: the document also carries a mutation
that would create an organisation, and that organisation must not exist afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import pytest
import strawberry

from api.access.query_limits import MAX_LIST_LENGTH, MAX_QUERY_COST, longest_list
from api.access.safe_json import MAX_JSON_DEPTH, nesting_depth
from api.errors import MaskInternalErrors
from api.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_TOKENS
from graph.access import orgs
from graph.core.driver import Graph
from tests.conftest import ApiClient

CREATE_ORG = 'createOrganization(input: {name: "%s"}) { errors { code } }'


def codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


async def assert_not_created(graph: Graph, *names: str) -> None:
    for name in names:
        assert await orgs.organization_by_name(graph, name) is None, name


async def test_over_deep_documents_are_refused_before_execution(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    nested = "organization { projects { edges { node { " * 4
    deep = (
        f'mutation {{ createProject(input: {{organization: "{org}", name: "p"}}) {{ project {{ '
        + nested
        + "id"
        + " } } } }" * 4
        + " } } }"
    )
    for _ in range(2):  # the second time from the cache of parsed and validated documents
        body = await api.gql(deep)
        assert body["data"] is None
        assert (
            f"exceeds maximum operation depth of {MAX_QUERY_DEPTH}" in body["errors"][0]["message"]
        )
    await assert_not_created(graph, org)


async def test_too_many_aliases_are_refused_before_execution(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    names = [unique("org") for _ in range(MAX_ALIASES + 1)]
    document = "mutation { " + " ".join(f"a{i}: {CREATE_ORG % n}" for i, n in enumerate(names))
    body = await api.gql(document + " }")
    assert body["data"] is None
    assert (
        body["errors"][0]["message"] == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"
    )
    await assert_not_created(graph, *names)


async def test_too_many_tokens_are_refused_before_execution(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    padding = " ".join(["__typename"] * MAX_TOKENS)
    for _ in range(2):  # a refused parse is never cached as a document
        body = await api.gql(f"mutation {{ {CREATE_ORG % org} }} query {{ {padding} }}")
        assert body["data"] is None
        assert f"more than {MAX_TOKENS} tokens" in body["errors"][0]["message"]
    await assert_not_created(graph, org)


def nested_pages(levels: int, first: str, leaf: str = "name") -> str:
    """`organization { projects(first: N) { edges { node { ... } } } }` nested `levels` deep."""
    selection = leaf
    for _ in range(levels):
        selection = (
            f"organization {{ projects(first: {first}) {{ edges {{ node {{ {selection} }} }} }} }}"
        )
    return selection


async def test_over_wide_nested_pages_are_refused_before_execution(
    api: ApiClient, graph: Graph, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    pages = nested_pages(3, "100")
    wide = f'query($o: String!) {{ project(organization: $o, name: "p") {{ {pages} }} }}'
    body = await api.gql(wide, {"o": org})
    assert body["data"] is None and codes(body) == ["LIMIT_EXCEEDED"]
    assert str(MAX_QUERY_COST) in body["errors"][0]["message"]
    # the same through a variable page size, with a mutation first in the document
    by_variable = (
        f'mutation($n: Int) {{ createProject(input: {{organization: "{org}", name: "p"}}) '
        f"{{ project {{ {nested_pages(3, '$n')} }} }} }}"
    )
    body = await api.gql(by_variable, {"n": 100})
    assert codes(body) == ["LIMIT_EXCEEDED"]
    await assert_not_created(graph, org)
    # fragments used many times are expanded per place but never exponentially re-walked
    fragments = "fragment F0 on Project { name } " + " ".join(
        f"fragment F{i} on Project {{ a: organization {{ projects(first: 2) {{ edges {{ node "
        f"{{ ...F{i - 1} }} }} }} }} b: organization {{ projects(first: 2) {{ edges {{ node "
        f"{{ ...F{i - 1} }} }} }} }} }}"
        for i in range(1, 4)
    )
    body = await api.gql(f'{{ project(organization: "{org}", name: "p") {{ ...F3 }} }} {fragments}')
    assert body == {"data": {"project": None}}


async def test_a_moderate_page_is_not_refused(api: ApiClient, unique: Callable[[str], str]) -> None:
    org = unique("org")
    body = await api.gql(
        "query($o: String!) { organization(name: $o) { projects(first: 100) { totalCount "
        "edges { node { name path organization { name } } } } } }",
        {"o": org},
    )
    assert body == {"data": {"organization": None}}


async def test_over_long_input_lists_are_refused_before_execution(api: ApiClient) -> None:
    ids = ["x"] * (MAX_LIST_LENGTH + 1)
    body = await api.gql(
        "query($ids: [ID!]!) { artifactFiles(versionIds: $ids) { __typename } }", {"ids": ids}
    )
    assert body["data"] is None and codes(body) == ["LIMIT_EXCEEDED"]
    assert longest_list({"a": [[1, 2, 3], {"b": list(range(7))}]}) == 7


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe{", "Unable to parse request body as JSON"),
        (b'{"query": "{ me { name } }"', "Unable to parse request body as JSON"),
        (
            b'{"query": "{ me { name } }", "variables": {"a": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}}",
            "Unable to parse request body as JSON",
        ),
        (
            json.dumps({"query": "{ me { name } }", "variables": {"a": [[[[[[[[1]]]]]]]] * 1}})
            .replace("[1]", "[" * MAX_JSON_DEPTH + "1" + "]" * MAX_JSON_DEPTH)
            .encode(),
            f"nests deeper than {MAX_JSON_DEPTH} levels",
        ),
    ],
)
async def test_malformed_bodies_are_a_400_never_a_500(
    api: ApiClient, content: bytes, expected: str
) -> None:
    response = await api.http.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert expected in response.text
    assert "Traceback" not in response.text
    # the shape every GraphQL client reads, not Strawberry's plain text
    assert response.json() == {
        "errors": [{"message": ANY, "extensions": {"code": "INVALID_INPUT"}}]
    }


def test_nesting_depth_counts_iteratively() -> None:
    assert nesting_depth(1, 10) == 0
    assert nesting_depth({"a": [1, {"b": []}]}, 10) == 4
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    assert nesting_depth(deep, 64) == 65


async def test_oversized_bodies_are_refused_with_413(api: ApiClient) -> None:
    response = await api.http.post(
        "/graphql",
        content=b"{" + b" " * (4 * 1024 * 1024 + 1) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize("first", [-1, 101, 2**31 - 1])
async def test_page_sizes_and_cursors_are_bounded(
    api: ApiClient, unique: Callable[[str], str], first: int
) -> None:
    org = unique("org")
    await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "p"}) '
        "{ errors { code } } }",
        {"o": org},
    )
    query = (
        "query($o: String!, $f: Int, $a: String) { organization(name: $o) "
        "{ projects(first: $f, after: $a) { totalCount } } }"
    )
    body = await api.gql(query, {"o": org, "f": first})
    assert codes(body) == ["INVALID_INPUT"]
    for cursor in ["not base64!", "b2Zmc2V0Oi0x", "' OR 1=1 --"]:
        body = await api.gql(query, {"o": org, "f": 1, "a": cursor})
        assert codes(body) == ["INVALID_INPUT"] and body["errors"][0]["message"] == "Invalid cursor"


@strawberry.type
class _Exploding:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError(
            "MATCH (n:Secret) RETURN n failed at /srv/lineage/graph/secret.py line 3"
        )


async def test_unknown_errors_are_masked_without_internals() -> None:
    schema = strawberry.Schema(query=_Exploding, extensions=[MaskInternalErrors])
    result = await schema.execute("{ boom }")
    assert result.errors is not None
    public = result.errors[0].formatted
    assert public["message"] == "Internal error"
    assert public.get("extensions") == {"code": "INTERNAL"}
    text = json.dumps(public)
    for leak in ["MATCH", "/srv/", "secret.py", "Traceback", "RuntimeError"]:
        assert leak not in text


async def test_known_errors_say_what_was_wrong_without_internals(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    body = await api.data(
        'mutation($o: String!) { createProject(input: {organization: $o, name: "a/../b"}) '
        "{ errors { code message field } } }",
        {"o": unique("org")},
    )
    [error] = body["createProject"]["errors"]
    assert error["code"] == "INVALID_NAME" and error["field"] == "name"
    for leak in ["MATCH", "Traceback", "/work/", ".py"]:
        assert leak not in error["message"]


async def test_graphql_over_get_cannot_mutate(api: ApiClient, unique: Callable[[str], str]) -> None:
    org = unique("org")
    response = await api.http.get(
        "/graphql", params={"query": "mutation { " + CREATE_ORG % org + " }"}
    )
    assert response.status_code == 400
    assert "mutations are not allowed when using GET" in response.text
