"""The lineage page's details panel, SVG/PNG export and path highlighting, in Chromium.

Seeded through the Python SDK against the web server (as a user would log runs and artifacts):
    prep (job prepare) -> data:v0 (dataset, aliases gold/latest) -> train-a (train) -> model:v0
    (model, linked to the registry collection `models/best`) -> eval (evaluate)
and a decoy `train-b` that consumes data:v0 and leads nowhere near eval, plus a run whose name
is an HTML tag (`<img src=x onerror=...>`), which must stay text on the page and in the SVG.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

import lineage
from lineage import Artifact, Client

from .support import WebServer, create_organization, sign_in

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<img src=x onerror=window.__xss=1>"
PAGE = '[data-testid="lineage-page"]'


@dataclass(frozen=True)
class Seed:
    org: str
    registry: str
    admin: str

    @property
    def project(self) -> str:
        return f"{self.org}/p"


@pytest.fixture(scope="module")
def seed(web_server: WebServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    folder = tmp_path_factory.mktemp("details-seed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LINEAGE_CACHE_DIR", str(folder / "cache"))
        with Client(web_server.url, web_server.admin_key) as client:
            yield _seed(web_server, client, folder)


def _seed(web_server: WebServer, client: Client, folder: Path) -> Seed:
    org = create_organization(web_server, "details")
    admin = client.execute("query { me { name } }", {})["me"]["name"]
    project = f"{org}/p"

    def artifact(name: str, kind: str, content: bytes, description: str | None = None) -> Artifact:
        made = Artifact(name, kind, description=description, metadata={"source": "test"})
        path = folder / f"{name}.bin"
        path.write_bytes(content)
        made.add_file(path, "part.bin")
        return made

    with lineage.init(
        project, "prepare", name="prep", config={"lr": 0.1, "layers": [64, 32]}, client=client
    ) as prep:
        prep.log_artifact(
            artifact("data", "dataset", b"d" * 2048, description=f"raw rows {XSS}"),
            aliases=["gold"],
        )
        prep.log({"rows": 2048})
    with lineage.init(project, "train", name="train-a", client=client) as train:
        train.use_artifact("data:gold")
        model = train.log_artifact(artifact("model", "model", b"m" * 5000, "the trained model"))
        train.log({"accuracy": 0.93})
    with lineage.init(project, "train", name="train-b", client=client) as decoy:
        decoy.use_artifact("data:gold")
    with lineage.init(project, "evaluate", name="eval", client=client) as evaluation:
        evaluation.use_artifact("model:v0")
    with lineage.init(project, "inspect", name=XSS, client=client) as hostile:
        hostile.use_artifact("data:gold")
    registry = "models"
    lineage.create_registry(org, registry, accepted_types=["model"], client=client)
    lineage.link_artifact(
        model, f"{org}/registry-{registry}/best", aliases=["candidate"], client=client
    )
    return Seed(org=org, registry=registry, admin=admin)


def open_lineage(page: Page, web_server: WebServer, seed_path: str, query: str = "") -> Locator:
    """The lineage page of `seed_path` once laid out (the marker of README-markers.md)."""
    page.goto(f"{web_server.url}/lineage/{seed_path}{query}")
    root = page.locator(PAGE)
    expect(root).to_have_attribute("data-layout-done", "true")
    return root


def node(page: Page, kind: str, name: str) -> Locator:
    """The drawn node of `kind` whose accessible name mentions `name`."""
    return page.locator(f'[data-testid="lineage-node"][data-kind="{kind}"]').filter(
        has_text=re.compile(re.escape(name))
    )


def field(panel: Locator, name: str) -> Locator:
    return panel.locator(f'[data-field="{name}"]')


def test_details_of_a_run_and_a_version(
    page: Page, web_server: WebServer, seed: Seed, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    open_lineage(page, web_server, f"{seed.project}/data:v0", "?direction=BOTH&depth=4")

    node(page, "run", "train-a").first.click()
    panel = page.get_by_test_id("details-panel")
    expect(panel).to_be_visible()
    expect(field(panel, "name")).to_have_text("train-a")
    expect(field(panel, "jobType")).to_have_text("train")
    expect(field(panel, "author")).to_have_text(seed.admin)
    expect(field(panel, "state")).to_have_text("FINISHED")
    expect(field(panel, "startedAt")).to_contain_text("UTC")
    expect(field(panel, "duration")).to_have_text(re.compile(r"^\d+(\.\d)?s$|^\d+m \d\ds$"))
    expect(field(panel, "summary")).to_contain_text('"accuracy": 0.93')
    expect(field(panel, "config")).to_have_text("{}")
    run_link = panel.get_by_role("link", name="Open run page")
    expect(run_link).to_have_attribute(
        "href", re.compile(rf"^/orgs/{seed.org}/projects/p/runs/[^/]+$")
    )
    expect(panel.get_by_test_id("impact-summary")).to_contain_text("1 run and 1 version")
    page.screenshot(path=str(tmp_path / "details-run.png"))

    node(page, "run", "prep").first.click()
    expect(field(panel, "name")).to_have_text("prep")
    expect(field(panel, "config")).to_contain_text('"lr": 0.1')
    expect(field(panel, "config")).to_contain_text('"layers": [')

    node(page, "version", "model:v0").first.click()
    expect(panel).to_have_attribute("data-kind", "version")
    expect(field(panel, "type")).to_have_text("model")
    expect(field(panel, "version")).to_have_text("v0")
    expect(field(panel, "aliases")).to_contain_text("latest")
    expect(field(panel, "createdAt")).to_contain_text(f"UTC by {seed.admin}")
    expect(field(panel, "description")).to_have_text("the trained model")
    expect(field(panel, "producer")).to_have_text("train-a (train)")
    expect(field(panel, "size")).to_have_text("4.9 KiB")
    expect(field(panel, "fileCount")).to_have_text("1")
    expect(field(panel, "registries")).to_contain_text(
        f"{seed.org}/registry-{seed.registry}/best:v0"
    )
    expect(field(panel, "registries")).to_contain_text("candidate")
    expect(panel.get_by_role("link", name="Open version page")).to_have_attribute(
        "href", f"/orgs/{seed.org}/projects/p/artifacts/model/v0"
    )
    expect(panel.get_by_test_id("impact-summary")).to_contain_text("1 run and 0 versions")
    page.screenshot(path=str(tmp_path / "details-version.png"))

    # A description holding markup is shown as text, and nothing ran.
    node(page, "version", "data:v0").first.click()
    expect(field(panel, "description")).to_have_text(f"raw rows {XSS}")
    expect(field(panel, "aliases")).to_contain_text("gold")
    expect(field(panel, "registries")).to_have_text("not linked")
    assert page.evaluate("() => window.__xss") is None

    panel.get_by_role("button", name="Close details").click()
    expect(panel).to_be_hidden()


def test_svg_export_holds_every_node_and_edge(
    page: Page, web_server: WebServer, seed: Seed, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    root = open_lineage(page, web_server, f"{seed.project}/data:v0", "?direction=BOTH&depth=4")
    nodes = int(root.get_attribute("data-node-count") or "-1")
    edges = int(root.get_attribute("data-edge-count") or "-1")
    assert nodes >= 6 and edges >= 5, (nodes, edges)

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export SVG").click()
    saved = tmp_path / "view.svg"
    waiting.value.save_as(saved)
    document = ET.parse(saved).getroot()
    assert document.tag == f"{SVG}svg"
    drawn = [g for g in document.iter(f"{SVG}g") if g.get("class") == "node"]
    arrows = [p for p in document.iter(f"{SVG}path") if p.get("class") == "edge"]
    assert len(drawn) == nodes
    assert len(arrows) == edges
    ids = {g.get("data-id") for g in drawn}
    assert all(p.get("data-source") in ids and p.get("data-target") in ids for p in arrows)
    assert all(p.get("marker-end", "").startswith("url(#arrow") for p in arrows)
    # Labels are drawn (shortened to fit) and whole in each node's <title>.
    texts = {"".join(t.itertext()) for t in document.iter(f"{SVG}text")}
    texts |= {"".join(t.itertext()) for g in drawn for t in g.iter(f"{SVG}title")}
    for label in ("prep", "train-a", "train-b", "eval", "data:v0", "model:v0", "dataset", XSS):
        assert any(label in text for text in texts), (label, texts)
    # The hostile run name is character data, not an element.
    assert not list(document.iter(f"{SVG}img")) and not list(document.iter("img"))
    assert "<img" not in saved.read_text().replace("&lt;img", "")
    # Every node lies inside the viewBox.
    left, top, width, height = (float(v) for v in (document.get("viewBox") or "").split())
    for g in drawn:
        x, y = (float(v) for v in re.findall(r"-?[\d.]+", g.get("transform") or "")[:2])
        assert left <= x <= left + width and top <= y <= top + height

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export PNG").click()
    png = tmp_path / "view.png"
    waiting.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 1000


def test_paths_between_two_chosen_nodes_are_highlighted(
    page: Page, web_server: WebServer, seed: Seed, tmp_path: Path
) -> None:
    sign_in(page, web_server)
    open_lineage(page, web_server, f"{seed.project}/data:v0", "?direction=BOTH&depth=4")
    page.get_by_role("button", name="Paths").click()
    node(page, "version", "data:v0").first.click()
    node(page, "run", "eval").first.click()
    highlighted = page.locator('[data-testid="lineage-node"][data-path="true"]')
    expect(highlighted).to_have_count(4)
    for kind, name in (("version", "data:v0"), ("run", "train-a"), ("version", "model:v0")):
        expect(node(page, kind, name).first).to_have_attribute("data-path", "true")
    expect(node(page, "run", "eval").first).to_have_attribute("data-path", "true")
    expect(node(page, "run", "train-b").first).not_to_have_attribute("data-path", "true")
    path_edges = page.locator('.react-flow__edge[data-path="true"], .react-flow__edge.path')
    expect(path_edges).to_have_count(3)
    page.screenshot(path=str(tmp_path / "lineage-paths.png"))
