from __future__ import annotations

from collections.abc import Callable

from tests.conftest import ApiClient

CREATE_PROJECT = """
mutation($org: String!, $name: String!) {
  createProject(input: {organization: $org, name: $name}) {
    project { id name path organization { id name } }
    errors { code message field }
  }
}
"""


async def test_create_project_then_read_it_back_by_name_and_global_id(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    data = await api.data(CREATE_PROJECT, {"org": org, "name": "vision"})
    project = data["createProject"]["project"]
    assert data["createProject"]["errors"] == []
    assert project["path"] == f"{org}/vision"

    node = await api.data(
        "query($id: ID!) { node(id: $id) { __typename ... on Project { name } } }",
        {"id": project["id"]},
    )
    assert node["node"] == {"__typename": "Project", "name": "vision"}

    projects = await api.data(
        "query($o: String!) { organization(name: $o) { projects(first: 10) {"
        " totalCount edges { node { name } } pageInfo { hasNextPage } } } }",
        {"o": org},
    )
    assert projects["organization"]["projects"] == {
        "totalCount": 1,
        "edges": [{"node": {"name": "vision"}}],
        "pageInfo": {"hasNextPage": False},
    }


async def test_mutation_errors_are_typed_with_stable_codes(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    again = await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    assert again["createProject"]["project"] is None
    assert again["createProject"]["errors"][0]["code"] == "ALREADY_EXISTS"
    bad = await api.data(CREATE_PROJECT, {"org": org, "name": "../etc"})
    assert bad["createProject"]["errors"][0]["code"] == "INVALID_NAME"


async def test_page_size_is_bounded(api: ApiClient, unique: Callable[[str], str]) -> None:
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    body = await api.gql(
        "query($o: String!) { organization(name: $o) { projects(first: 100000) { totalCount } } }",
        {"o": org},
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_unknown_lookups_are_null_not_errors(api: ApiClient) -> None:
    data = await api.data('{ organization(name: "no-such-org-anywhere") { id } }')
    assert data == {"organization": None}


async def test_over_deep_queries_are_refused_before_execution(api: ApiClient) -> None:
    deep = (
        '{ node(id: "x") { id ' + "... on Project { organization { projects { edges { node { " * 4
    )
    deep += "id" + " } } } } }" * 4 + " } }"
    body = await api.gql(deep)
    assert body["errors"]
    assert "depth" in body["errors"][0]["message"]


async def test_an_organisation_differing_only_in_case_is_refused(
    api: ApiClient, unique: Callable[[str], str]
) -> None:
    """`Acme` beside `acme` would pass for it in every path (a walk-through made both)."""
    org = unique("org")
    await api.data(CREATE_PROJECT, {"org": org, "name": "p"})
    for alike in (org.upper(), org.capitalize()):
        refused = await api.data(CREATE_PROJECT, {"org": alike, "name": "p"})
        error = refused["createProject"]["errors"][0]
        assert (error["code"], error["field"]) == ("ALREADY_EXISTS", "organization"), error
        assert org in error["message"]
        created = await api.data(
            "mutation($n: String!) { createOrganization(input: {name: $n}) {"
            " organization { name } errors { code } } }",
            {"n": alike},
        )
        assert created["createOrganization"]["errors"] == [{"code": "ALREADY_EXISTS"}]
    assert (await api.data(CREATE_PROJECT, {"org": org, "name": "q"}))["createProject"][
        "errors"
    ] == []
