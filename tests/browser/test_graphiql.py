"""GraphiQL at /graphql from the server's own files: it runs a query with the app's session and
with a key pasted into its Headers tab, offline (the conftest aborts and fails any request to
another origin, and fails on any CSP violation). Its example tabs are valid against
schema.graphql, checked here without a browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse, validate
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode
from playwright.sync_api import Page, expect

import lineage

from .support import WebServer, create_organization, graphql, sign_in

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "web" / "src" / "graphiql" / "examples"
EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.graphql"))


def _admin_name(server: WebServer) -> str:
    name: str = graphql(server, "{ me { name } }")["me"]["name"]
    return name


def test_the_examples_cover_lineage_registry_search_and_node_details() -> None:
    assert {"lineage", "registry-search", "node-details"} <= set(EXAMPLE_NAMES)
    listed = (EXAMPLES.parent / "examples.ts").read_text()
    for name in EXAMPLE_NAMES:
        assert f'"./examples/{name}.graphql?raw"' in listed, f"{name} is not a GraphiQL tab"
        assert f'"./examples/{name}.json?raw"' in listed, f"{name}'s variables are not used"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_example_is_valid_against_the_schema_with_its_variables(name: str) -> None:
    schema = build_schema((ROOT / "schema.graphql").read_text())
    document = parse((EXAMPLES / f"{name}.graphql").read_text())
    errors = validate(schema, document)
    assert not errors, [error.message for error in errors]
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.name is not None, "a named operation names its GraphiQL tab"
    variables: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(schema, definitions, variables)
    assert not isinstance(coerced, list), [error.message for error in coerced]
    declared = {d.variable.name.value for d in definitions}
    assert set(variables) <= declared, f"unused variables: {set(variables) - declared}"


def _open_graphiql(page: Page, server: WebServer) -> None:
    page.goto(f"{server.url}/graphql")
    expect(page.get_by_role("button", name="Execute query (Ctrl-Enter)")).to_be_visible()
    # The first tab (WhoAmI) is the active one.
    expect(page.locator(".graphiql-query-editor")).to_contain_text("query WhoAmI")


def _run(page: Page) -> None:
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()


def _response(page: Page) -> Any:
    return page.locator(".graphiql-response .result-window")


def test_graphiql_is_served_from_the_bundle_under_the_strict_csp(web_server: WebServer) -> None:
    answer = httpx.get(f"{web_server.url}/graphql", headers={"accept": "text/html"})
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert '<script type="module" crossorigin src="/assets/' in answer.text
    assert "cdn" not in answer.text.lower() and "unpkg" not in answer.text.lower()


def test_graphiql_runs_a_query_with_the_session(
    page: Page, web_server: WebServer, tmp_path: Path
) -> None:
    name = _admin_name(web_server)
    sign_in(page, web_server)
    _open_graphiql(page, web_server)
    _run(page)
    expect(_response(page)).to_contain_text(f'"name": "{name}"')
    expect(_response(page)).to_contain_text('"isServerAdmin": true')
    page.screenshot(path=str(tmp_path / "graphiql.png"))


def test_graphiql_runs_a_query_with_a_pasted_key(page: Page, web_server: WebServer) -> None:
    name = _admin_name(web_server)
    _open_graphiql(page, web_server)
    _run(page)  # signed out, no key: the API says who is missing
    expect(_response(page)).to_contain_text("UNAUTHENTICATED")

    page.get_by_role("button", name="Headers").click()
    page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror").click()
    page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {web_server.admin_key}"}))
    _run(page)
    expect(_response(page)).to_contain_text(f'"name": "{name}"')


def test_the_lineage_example_runs_on_a_real_version(
    page: Page, web_server: WebServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Lineage tab with its seed set to a logged dataset shows the run that consumed it."""
    monkeypatch.setenv("LINEAGE_CACHE_DIR", str(tmp_path / "cache"))
    project = f"{create_organization(web_server, 'graphiql')}/examples"
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    with lineage.Client(web_server.url, web_server.admin_key) as sdk:
        dataset = lineage.Artifact("table", "dataset")
        dataset.add_file(tmp_path / "rows.csv", "rows.csv")
        lineage.log_artifact(dataset, project, client=sdk, progress=False)
        with lineage.init(project, "train", name="fit-once", client=sdk) as run:
            run.use_artifact("table:latest")

    sign_in(page, web_server)
    _open_graphiql(page, web_server)
    page.get_by_role("tab", name="Lineage").click()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("query Lineage")
    page.get_by_role("button", name="Variables").click()
    page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps({"seed": f"{project}/table:v0", "depth": 1}))
    _run(page)
    expect(_response(page)).to_contain_text('"name": "fit-once"')
    expect(_response(page)).to_contain_text('"truncated": false')
