"""Registry pages in Chromium: the collection search with the API's filters and its total, a
collection's versions with their aliases (protected ones marked), setting an alias through the
page and a refused protected alias shown with its code, linking a version through
LinkVersionForm, unlinking it again. Data is seeded through the SDK and GraphQL only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import lineage

from .support import (
    WebServer,
    create_organization,
    graphql,
    screenshot_path,
    sign_in,
    unique_name,
)

DASH = "\u2013"  # the en dash of the pager's "1-2 of 2"

CREATE_COLLECTION = """
mutation($input: CreateCollectionInput!) {
  createCollection(input: $input) { collection { path } errors { code message } }
}"""

CREATE_USER = """
mutation($name: String!) {
  createUser(input: {name: $name}) { user { name } secret errors { code message } }
}"""

ADD_MEMBER = """
mutation($org: String!, $user: String!) {
  addOrganizationMember(input: {organization: $org, user: $user, role: MEMBER}) {
    errors { code message }
  }
}"""


@dataclass(frozen=True)
class Seeded:
    org: str
    registry: str
    collection: str
    member_key: str
    sdk: lineage.Client
    files: Path


def _log(
    sdk: lineage.Client, files: Path, org: str, text: str, note: str, run_name: str | None = None
) -> str:
    """A committed `resnet` model version in `org/train` (logged by a train run when named)."""
    source = files / f"{unique_name('weights')}.bin"
    source.write_text(text)
    artifact = lineage.Artifact("resnet", "model", description=note)
    artifact.add_file(source, name="weights.bin")
    if run_name is None:
        return lineage.log_artifact(artifact, project=f"{org}/train", client=sdk).id
    with lineage.init(f"{org}/train", job_type="train", name=run_name, client=sdk) as run:
        return run.log_artifact(artifact).id


def _collection(server: WebServer, org: str, name: str, tags: list[str], description: str) -> None:
    data = graphql(
        server,
        CREATE_COLLECTION,
        {
            "input": {
                "organization": org,
                "registry": "models",
                "name": name,
                "type": "model",
                "tags": tags,
                "description": description,
            }
        },
    )
    assert not data["createCollection"]["errors"], data


@pytest.fixture(scope="module")
def seeded(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A registry `models` (protected alias `production`) with four collections; `classifier`
    holds three versions: v0 `production`, v1 `staging`, v2 `latest`. A member (not an admin)."""
    org = create_organization(web_server, "reg")
    files = tmp_path_factory.mktemp("registry-files")
    sdk = lineage.Client(web_server.url, web_server.admin_key)
    lineage.create_registry(
        org,
        "models",
        accepted_types=["model"],
        description="Models ready for evaluation and release",
        protected_aliases=["production"],
        client=sdk,
    )
    _collection(web_server, org, "classifier", ["vision", "prod"], "Image classifier")
    _collection(web_server, org, "clustering", ["vision"], "Embedding clusters")
    _collection(web_server, org, "classic-baseline", ["nlp"], "Bag of words")
    _collection(web_server, org, "detector", ["vision"], "Object detector")
    target = f"{org}/registry-models/classifier"
    linked = [
        (["production"], "baseline ResNet-18"),
        (["staging"], "ResNet-50, longer schedule"),
        ([], "ResNet-50 with mixup"),
    ]
    for index, (aliases, note) in enumerate(linked):
        version_id = _log(sdk, files, org, f"weights {index} {org}", note, f"train-{index}")
        lineage.link_artifact(version_id, target, aliases=aliases, client=sdk)
    member = unique_name("member")
    created = graphql(web_server, CREATE_USER, {"name": member})["createUser"]
    assert not created["errors"], created
    added = graphql(web_server, ADD_MEMBER, {"org": org, "user": member})
    assert not added["addOrganizationMember"]["errors"], added
    yield Seeded(org, "models", "classifier", created["secret"], sdk, files)
    sdk.close()  # its pooled connections would otherwise be reported as unclosed sockets


def _collection_url(server: WebServer, seeded: Seeded, name: str) -> str:
    return f"{server.url}/orgs/{seeded.org}/registries/{seeded.registry}/{name}"


def test_search_finds_collections_by_name_prefix_and_tag_with_the_total(
    page: Page, web_server: WebServer, seeded: Seeded
) -> None:
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/registries")
    page.get_by_role("link", name="models").click()
    results = page.get_by_test_id("collection-results")
    # Four seeded collections (later tests of this module add more).
    expect(results.get_by_test_id("pager")).to_contain_text(re.compile(r"of \d+ collections"))

    search = page.get_by_role("search", name="Search collections")
    search.get_by_label("Name", exact=True).fill("cl")
    search.get_by_label("Tags (comma separated)").fill("vision")
    search.get_by_role("button", name="Search").click()

    expect(results.get_by_test_id("pager")).to_contain_text(f"1{DASH}2 of 2 collections")
    expect(results.get_by_test_id("collection-row")).to_have_count(2)
    expect(results.get_by_role("link")).to_have_text(["classifier", "clustering"])
    assert "name=cl" in page.url and "tags=vision" in page.url

    page.reload()  # the search is in the URL
    expect(results.get_by_test_id("pager")).to_contain_text(f"1{DASH}2 of 2 collections")
    expect(search.get_by_label("Name", exact=True)).to_have_value("cl")

    search.get_by_label("Tags match").select_option("all")
    search.get_by_label("Tags (comma separated)").fill("vision, prod")
    search.get_by_role("button", name="Search").click()
    expect(results.get_by_test_id("pager")).to_contain_text(f"1{DASH}1 of 1 collection")
    expect(results.get_by_role("link")).to_have_text(["classifier"])

    search.get_by_label("Name", exact=True).fill("zzz")
    search.get_by_role("button", name="Search").click()
    expect(results.get_by_test_id("no-collections")).to_be_visible()


def test_collection_versions_show_aliases_with_the_protected_one_marked(
    page: Page, web_server: WebServer, seeded: Seeded, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(_collection_url(web_server, seeded, seeded.collection))
    versions = page.get_by_test_id("collection-versions")
    expect(versions.locator("tbody tr")).to_have_count(3)
    v0 = page.get_by_test_id("version-v0")
    production = v0.get_by_test_id("alias").filter(has_text="production")
    expect(production).to_have_class(re.compile(r"alias-protected"))
    expect(production).to_contain_text("(protected)")
    staging = page.get_by_test_id("version-v1").get_by_test_id("alias")
    expect(staging).to_have_text("staging")
    expect(staging).not_to_have_class(re.compile(r"alias-protected"))
    expect(page.get_by_test_id("version-v2").get_by_test_id("alias")).to_have_text("latest")

    source = v0.get_by_role("link", name=f"{seeded.org}/train/resnet:v0")
    version_page = f"/orgs/{seeded.org}/projects/train/artifacts/resnet/v0"
    expect(source).to_have_attribute("href", version_page)
    lineage_page = f"/lineage/{seeded.org}/registry-models/classifier:v0"
    expect(v0.get_by_role("link", name="lineage")).to_have_attribute("href", lineage_page)

    history = page.get_by_test_id("link-history")  # the admin reads the audit trail
    expect(history.locator("li")).to_have_count(3)
    expect(history).to_contain_text(f"{seeded.org}/registry-models/classifier:v2")

    expect(page.get_by_test_id("version-v1").get_by_role("link", name="train-1")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1180})
    page.screenshot(path=str(screenshot_path("registry-collection.png", tmp_path)), full_page=True)


def test_a_member_sets_an_alias_and_a_protected_alias_is_refused_with_its_code(
    page: Page, web_server: WebServer, seeded: Seeded
) -> None:
    sign_in(page, web_server, seeded.member_key)
    page.goto(_collection_url(web_server, seeded, seeded.collection))
    form = page.get_by_role("form", name="Set or move an alias")
    form.get_by_label("Alias").fill("candidate")
    form.get_by_label("Version").select_option(label="v2")
    form.get_by_role("button", name="Set alias").click()
    expect(page.get_by_test_id("action-result")).to_have_text("The alias candidate now names v2.")
    v2_aliases = page.get_by_test_id("version-v2").get_by_test_id("alias")
    expect(v2_aliases).to_have_text(["latest", "candidate"])
    expect(page.get_by_test_id("alias-history")).to_contain_text("candidate set on v2")

    form.get_by_label("Alias").fill("production")
    form.get_by_label("Version").select_option(label="v1")
    form.get_by_role("button", name="Set alias").click()
    expect(page.get_by_role("alert")).to_contain_text("PROTECTED_ALIAS")
    expect(page.get_by_test_id("version-v0").get_by_test_id("alias")).to_contain_text(
        ["production"]
    )

    page.get_by_role("button", name="Remove alias candidate").click()
    expect(page.get_by_test_id("action-result")).to_have_text("Removed the alias candidate.")
    expect(v2_aliases).to_have_text(["latest"])
    # A member may not read the audit trail: the page says where the history is instead.
    expect(page.get_by_test_id("link-history-forbidden")).to_be_visible()


def test_link_a_version_through_the_form_then_unlink_it(
    page: Page, web_server: WebServer, seeded: Seeded
) -> None:
    version_id = _log(seeded.sdk, seeded.files, seeded.org, "weights new", "fresh")
    path = graphql(
        web_server,
        "query($id: ID!) { node(id: $id) { ... on ArtifactVersion { path } } }",
        {"id": version_id},
    )["node"]["path"]
    collection = unique_name("promoted")
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/registries/{seeded.registry}")
    finder = page.get_by_role("form", name="Find a version to link")
    finder.get_by_label("Version path").fill(path)
    finder.get_by_role("button", name="Find version").click()

    link_form = page.get_by_test_id("link-version-form")
    expect(link_form.get_by_label("Registry", exact=True)).to_have_value("models")
    link_form.get_by_label("Collection", exact=True).select_option(label="New collection…")
    link_form.get_by_label("New collection name").fill(collection)
    link_form.get_by_label("Aliases (comma separated, optional)").fill("fresh")
    link_form.get_by_role("button", name=f"Link {path}").click()
    result = link_form.get_by_test_id("link-result")
    expect(result).to_contain_text(f"Linked as {seeded.org}/registry-models/{collection}:v0")
    expect(link_form.get_by_test_id("memberships")).to_contain_text(
        f"registry-models/{collection}:v0"
    )

    # Linking it again into an existing collection chosen from the list.
    link_form.get_by_label("Collection", exact=True).select_option("classifier")
    link_form.get_by_role("button", name=f"Link {path}").click()
    expect(result).to_contain_text(f"Linked as {seeded.org}/registry-models/classifier:v3")
    # A refusal comes back with its code: an alias that reads as `vN` is refused for everyone.
    link_form.get_by_label("Aliases (comma separated, optional)").fill("v7")
    link_form.get_by_role("button", name=f"Link {path}").click()
    expect(link_form.get_by_role("alert")).to_contain_text("INVALID_NAME")
    row = page.get_by_test_id("collection-results").get_by_test_id("collection-row")
    versions_cell = row.filter(has_text="Image classifier").locator("td").nth(2)
    expect(versions_cell).to_have_text("4")  # the list follows the link

    page.goto(_collection_url(web_server, seeded, collection))
    row = page.get_by_test_id("version-v0")
    expect(row.get_by_test_id("alias")).to_have_text(["latest", "fresh"])
    row.get_by_role("button", name="Unlink v0").click()
    row.get_by_role("button", name="Confirm unlink").click()
    expect(page.get_by_test_id("action-result")).to_contain_text("Unlinked v0")
    expect(page.get_by_text("No version is linked to this collection.")).to_be_visible()
    expect(page.get_by_test_id("link-history")).to_contain_text("unlinked")


def test_user_strings_on_registry_pages_render_as_text(
    page: Page, web_server: WebServer, seeded: Seeded
) -> None:
    hostile = '<img src=x onerror="window.__xss=1">'
    name = unique_name("hostile")
    _collection(web_server, seeded.org, name, ["xss"], hostile)
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/registries/{seeded.registry}?name={name}")
    row = page.get_by_test_id("collection-row")
    expect(row).to_contain_text(hostile)
    row.get_by_role("link", name=name).click()
    expect(page.get_by_text(hostile)).to_be_visible()
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_a_member_links_a_version_from_its_page_and_a_protected_alias_is_refused(
    page: Page, web_server: WebServer, seeded: Seeded
) -> None:
    _log(seeded.sdk, seeded.files, seeded.org, "weights from the version page", "page")
    versions = graphql(
        web_server,
        "query($path: String!) { artifact(path: $path) { versionCount } }",
        {"path": f"{seeded.org}/train/resnet"},
    )
    version = f"v{versions['artifact']['versionCount'] - 1}"
    sign_in(page, web_server, seeded.member_key)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/projects/train/artifacts/resnet/{version}")
    form = page.get_by_test_id("link-version-form")
    expect(form.get_by_role("heading", name="Link to a registry")).to_be_visible()
    form.get_by_label("Registry", exact=True).select_option("models")
    form.get_by_label("Collection", exact=True).select_option("classifier")
    form.get_by_label("Aliases (comma separated, optional)").fill("production")
    button = form.get_by_role("button", name=f"Link {seeded.org}/train/resnet:{version}")
    button.click()
    expect(form.get_by_role("alert")).to_contain_text("PROTECTED_ALIAS")

    form.get_by_label("Aliases (comma separated, optional)").fill("")
    button.click()
    result = form.get_by_test_id("link-result")
    expect(result).to_contain_text(f"Linked as {seeded.org}/registry-models/classifier:v")
    linked = result.get_by_role("link").inner_text().rsplit(":", 1)[1]
    result.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("classifier")
    row = page.get_by_test_id(f"version-{linked}")
    expect(row.get_by_test_id("alias")).to_have_text(["latest"])
    expect(row.get_by_role("link", name=f"{seeded.org}/train/resnet:{version}")).to_be_visible()
