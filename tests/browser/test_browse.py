"""The browse pages in Chromium: organisation -> project -> artifact -> version by clicking, files
with sizes and a download that returns the logged bytes, aliases set, moved and removed by hand, a
TTL set and cleared, refusals shown with their code, runs filtered by state, a run's inputs and
outputs, and hostile text rendered as text. Data is seeded through the Python SDK against the
server, as a user would log it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import lineage

from .support import WebServer, create_organization, graphql, sign_in

XSS = "<img src=x onerror=window.__xss=1>"
SMALL = b"hello, browser\n"
LARGE = bytes(range(256)) * 12  # 3,072 bytes: shown as 3.0 KiB


@dataclass(frozen=True)
class Seeded:
    org: str
    project: str
    train_run: str
    eval_run: str


def _artifact(
    tmp: Path, name: str, kind: str, files: dict[str, bytes], **options: object
) -> lineage.Artifact:
    artifact = lineage.Artifact(name, kind, **options)  # type: ignore[arg-type]
    for path, content in files.items():
        local = tmp / name / path
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(content)
        artifact.add_file(local, path)
    return artifact


@pytest.fixture(scope="module")
def seeded(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """images:v0 (two files, metadata) -> train run -> resnet:v0, v1 -> eval run (FAILED); a
    dataset whose description and metadata hold markup."""
    tmp = tmp_path_factory.mktemp("browse-seed")
    with (
        pytest.MonkeyPatch.context() as patch,
        lineage.Client(web_server.url, web_server.admin_key) as sdk,
    ):
        patch.setenv("LINEAGE_CACHE_DIR", str(tmp / "cache"))
        org = create_organization(web_server, "browse")
        project = f"{org}/vision"
        images = _artifact(
            tmp,
            "images",
            "dataset",
            {"a.txt": SMALL, "data/b.bin": LARGE},
            description="Labelled street images",
            metadata={"rows": 10, "source": "camera-7"},
        )
        lineage.log_artifact(images, project, client=sdk, progress=False)
        with lineage.init(
            project, "train", name="train-1", config={"lr": 0.1}, client=sdk
        ) as train:
            train.use_artifact("images:latest")
            for content in (b"weights-0", b"weights-1"):
                model = _artifact(tmp, "resnet", "model", {"model.pt": content})
                train.log_artifact(model, progress=False)
            train.log({"accuracy": 0.93})
        evaluation = lineage.init(project, "evaluate", name="eval-1", client=sdk)
        evaluation.use_artifact("resnet:v1")
        evaluation.finish("FAILED")
        hostile = _artifact(
            tmp, "hostile", "dataset", {"x.txt": b"x"}, description=XSS, metadata={"note": XSS}
        )
        with lineage.init(f"{org}/xss", "probe", name=XSS, config={XSS: XSS}, client=sdk) as run:
            run.log_artifact(hostile, progress=False)
        yield Seeded(org=org, project="vision", train_run=train.id, eval_run=evaluation.id)


def _screenshot(page: Page, path: Path) -> None:
    """The whole page: the app scrolls inside <main>, so the viewport grows to show all of it."""
    height = page.evaluate("() => document.querySelector('main').scrollHeight + 60")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"] if size else 1400, "height": max(900, height)})
    page.screenshot(path=str(path))
    if size:
        page.set_viewport_size(size)


def _version_url(server: WebServer, seeded: Seeded, name: str, version: str) -> str:
    return f"{server.url}/orgs/{seeded.org}/projects/{seeded.project}/artifacts/{name}/{version}"


def test_navigate_to_a_version_and_download_a_file(
    page: Page, web_server: WebServer, seeded: Seeded, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(web_server.url + "/")
    expect(page.get_by_role("table", name="Organisations")).to_be_visible()
    _screenshot(page, tmp_path / "organisations.png")
    page.get_by_role("link", name=seeded.org, exact=True).click()
    expect(page.get_by_role("link", name="Registries")).to_be_visible()
    page.get_by_role("link", name=seeded.project, exact=True).click()
    expect(page.get_by_role("region", name="Artifacts of type dataset")).to_be_visible()
    expect(page.get_by_role("region", name="Artifacts of type model")).to_be_visible()
    _screenshot(page, tmp_path / "project.png")
    page.get_by_role("link", name="images", exact=True).click()
    page.get_by_role("table", name="Versions").get_by_role("link", name="v0").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("images:v0")
    expect(page).to_have_title("v0 · images · Lineage")  # tabs tell pages apart
    files = page.get_by_role("table", name="Files")
    expect(files.get_by_role("row")).to_have_count(3)
    expect(files.get_by_role("row", name=re.compile(r"a\.txt"))).to_contain_text("15 B")
    expect(files.get_by_role("row", name=re.compile(r"b\.bin"))).to_contain_text("3.0 KiB")
    expect(page.get_by_test_id("aliases")).to_contain_text("latest")
    expect(page.get_by_label("metadata", exact=True)).to_contain_text('"source": "camera-7"')
    expect(page.locator("[data-field=manifest]")).to_contain_text(re.compile(r"[0-9a-f]{64}"))
    expect(page.get_by_role("region", name="Consumed by")).to_contain_text("train-1")
    expect(page.get_by_test_id("link-version-form")).to_be_visible()
    expect(page.get_by_role("link", name="Lineage graph")).to_have_attribute(
        "href", f"/lineage/{seeded.org}/{seeded.project}/images:v0"
    )
    _screenshot(page, tmp_path / "version.png")

    # The link is the API's same-origin download; fetched with the page's own context (its
    # session cookie).
    href = page.get_by_role("link", name="Download data/b.bin").get_attribute("href")
    assert href and href.startswith("/files/")
    assert page.request.get(web_server.url + href).body() == LARGE


def test_set_move_and_remove_an_alias_and_see_refusals(
    page: Page, web_server: WebServer, seeded: Seeded, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(_version_url(web_server, seeded, "resnet", "v0"))
    aliases = page.get_by_test_id("aliases")
    expect(aliases).to_be_visible()
    page.get_by_label("Alias", exact=True).fill("best")
    page.get_by_role("button", name="Set alias").click()
    expect(aliases).to_contain_text("best")

    page.goto(_version_url(web_server, seeded, "resnet", "v1"))
    page.get_by_label("Alias", exact=True).fill("best")
    page.get_by_role("button", name="Set alias").click()
    expect(aliases).to_contain_text("best")
    history = page.get_by_role("table", name="Alias history")
    expect(history).to_contain_text(re.compile(r"v0\s*→\s*v1"))

    page.goto(_version_url(web_server, seeded, "resnet", "v0"))
    expect(aliases).not_to_contain_text("best")

    page.goto(_version_url(web_server, seeded, "resnet", "v1"))
    page.get_by_label("Alias", exact=True).fill("latest")
    page.get_by_role("button", name="Set alias").click()
    expect(page.get_by_role("alert")).to_contain_text("PROTECTED_ALIAS:")
    page.get_by_label("Alias", exact=True).fill("v7")
    page.get_by_role("button", name="Set alias").click()
    expect(page.get_by_role("alert")).to_contain_text("INVALID_NAME:")
    _screenshot(page, tmp_path / "alias-refused.png")

    page.get_by_role("button", name="Remove alias best").click()
    expect(page.get_by_role("status")).to_contain_text("Alias best removed")
    expect(aliases).not_to_contain_text("best")
    expect(history).to_contain_text("remove")


def test_set_and_clear_a_ttl(page: Page, web_server: WebServer, seeded: Seeded) -> None:
    sign_in(page, web_server)
    page.goto(_version_url(web_server, seeded, "images", "v0"))
    now = page.get_by_test_id("ttl-now")
    expect(now).to_contain_text("never expires")
    expect(page.get_by_test_id("ttl-policy")).to_contain_text("none (never expires)")
    page.get_by_label("TTL", exact=True).fill("2")
    page.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name="Set TTL").click()
    expect(now).to_contain_text("TTL 2 days")
    expect(now).to_contain_text("expires")
    expect(page.locator("[data-field=expiresAt]")).not_to_have_text("never")
    page.get_by_label("TTL", exact=True).fill("40000")
    page.get_by_role("button", name="Set TTL").click()
    expect(page.get_by_role("alert")).to_contain_text("INVALID_INPUT:")
    expect(now).to_contain_text("TTL 2 days")
    page.get_by_role("button", name="Never expire").click()
    expect(now).to_contain_text("never expires")
    expect(page.locator("[data-field=expiresAt]")).to_have_text("never")
    page.get_by_label("Unit").select_option("hours")
    page.get_by_label("TTL", exact=True).fill("5")
    page.get_by_role("button", name="Set TTL").click()
    expect(now).to_contain_text("TTL 5 h")
    page.get_by_role("button", name="Clear TTL").click()
    expect(page.get_by_role("status")).to_contain_text("TTL cleared")
    expect(now).to_contain_text("never expires")


def test_runs_filtered_by_state_and_a_run_page(
    page: Page, web_server: WebServer, seeded: Seeded, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/projects/{seeded.project}")
    page.get_by_role("link", name="Runs", exact=True).click()
    runs = page.get_by_role("table", name="Runs")
    expect(runs.get_by_test_id("run-row")).to_have_count(2)
    expect(page.get_by_test_id("pager")).to_contain_text("of 2 runs")
    page.get_by_label("State").select_option("FAILED")
    expect(runs.get_by_test_id("run-row")).to_have_count(1)
    expect(runs).to_contain_text("eval-1")
    expect(page.get_by_test_id("pager")).to_contain_text("of 1 runs")
    assert "state=FAILED" in page.url
    page.get_by_label("State").select_option("FINISHED")
    expect(runs).to_contain_text("train-1")
    expect(runs.get_by_test_id("run-row")).to_have_count(1)
    _screenshot(page, tmp_path / "runs.png")

    runs.get_by_role("link", name="train-1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("train-1")
    expect(page.locator("[data-field=jobType]")).to_have_text("train")
    inputs = page.get_by_role("table", name="Inputs")
    outputs = page.get_by_role("table", name="Outputs")
    expect(inputs.get_by_role("link", name="images:v0")).to_be_visible()
    expect(outputs.get_by_role("link", name="resnet:v0")).to_be_visible()
    expect(outputs.get_by_role("link", name="resnet:v1")).to_be_visible()
    expect(page.get_by_label("config", exact=True)).to_contain_text('"lr": 0.1')
    expect(page.get_by_label("summary", exact=True)).to_contain_text('"accuracy": 0.93')
    expect(page.get_by_role("link", name="Lineage graph")).to_have_attribute(
        "href", f"/lineage/{seeded.train_run}"
    )
    _screenshot(page, tmp_path / "run.png")
    outputs.get_by_role("link", name="resnet:v1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("resnet:v1")
    expect(page.get_by_role("region", name="Produced by")).to_contain_text("train-1")
    expect(page.get_by_role("region", name="Consumed by")).to_contain_text("eval-1")


def test_markup_in_names_descriptions_and_metadata_renders_as_text(
    page: Page, web_server: WebServer, seeded: Seeded, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{seeded.org}/projects/xss/artifacts/hostile/v0")
    expect(page.get_by_test_id("version-description")).to_have_text(XSS)
    expect(page.get_by_label("metadata", exact=True)).to_contain_text(XSS)
    producer = page.get_by_role("region", name="Produced by")
    expect(producer).to_contain_text(XSS)
    _screenshot(page, tmp_path / "xss-version.png")
    page.get_by_role("link", name="All versions").click()
    expect(page.get_by_role("table", name="Versions")).to_contain_text(XSS)
    page.go_back()
    producer.get_by_role("link", name=XSS).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(XSS)
    expect(page.locator("[data-field=jobType]")).to_have_text("probe")
    expect(page.get_by_label("config", exact=True)).to_contain_text(XSS)
    page.get_by_role("link", name="Runs", exact=True).click()
    expect(page.get_by_role("table", name="Runs")).to_contain_text(XSS)
    _screenshot(page, tmp_path / "xss-runs.png")
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("img").count() == 0


CREATE_RUN = """
mutation($input: CreateRunInput!) {
  createRun(input: $input) { run { id } errors { code message } }
}
"""


def test_runs_are_paged_with_totals_and_filtered_by_job_type(
    page: Page, web_server: WebServer
) -> None:
    org = create_organization(web_server, "browse-runs")
    for i in range(27):
        job_type = "sweep" if i % 9 else "prepare"
        run = {"organization": org, "project": "grid", "jobType": job_type, "name": f"r-{i}"}
        data = graphql(web_server, CREATE_RUN, {"input": run})
        assert not data["createRun"]["errors"], data
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{org}/projects/grid/runs")
    rows = page.get_by_role("table", name="Runs").get_by_test_id("run-row")
    pager = page.get_by_test_id("pager")
    expect(pager).to_contain_text("1\u201325 of 27 runs")
    expect(rows).to_have_count(25)
    pager.get_by_role("button", name="Next").click()
    expect(pager).to_contain_text("26\u201327 of 27 runs")
    expect(rows).to_have_count(2)
    page.reload()
    expect(pager).to_contain_text("26\u201327 of 27 runs")
    pager.get_by_role("button", name="Previous").click()
    expect(pager).to_contain_text("1\u201325 of 27 runs")

    page.get_by_label("Job type").fill("prepare")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(pager).to_contain_text("of 3 runs")
    expect(rows).to_have_count(3)
    assert "jobType=prepare" in page.url
    page.get_by_label("Job type").fill("nothing-like-this")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_text("No runs match these filters")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(pager).to_contain_text("of 27 runs")
    rows.get_by_role("button", name="prepare").first.click()
    expect(pager).to_contain_text("of 3 runs")
    expect(page.get_by_label("Job type")).to_have_value("prepare")


def test_missing_pages_and_empty_states_say_what_to_do(page: Page, web_server: WebServer) -> None:
    org = create_organization(web_server, "browse-empty")
    sign_in(page, web_server)
    page.goto(f"{web_server.url}/orgs/{org}")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    page.goto(f"{web_server.url}/orgs/{org}/projects/none/artifacts/nothing/v3")
    expect(page.get_by_test_id("not-found")).to_contain_text("was not found")
    page.goto(f"{web_server.url}/orgs/{org}/projects/none/artifacts/nothing/v3:x")
    expect(page.get_by_role("alert")).to_contain_text("INVALID_PATH:")
    page.goto(f"{web_server.url}/orgs/{org}-missing/projects/p/artifacts/a/v0")
    expect(page.get_by_test_id("not-found")).to_contain_text("was not found")
    page.get_by_role("link", name="Back to the organisations").click()
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
