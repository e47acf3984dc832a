"""The lineage graph page in Chromium against a real server: clusters searched on the server and
members extracted with their own edges, a layout that stays put, the view in the URL, keyboard
navigation along edges, hiding, dragging and zooming, truncation shown where it happens."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from .lineage_seed import Training, seed_training
from .support import WebServer, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def training(web_server: WebServer) -> Training:
    return seed_training(web_server)


def lineage_url(server: WebServer, seed: str, query: str = "") -> str:
    return f"{server.url}/lineage/{quote(seed, safe='/:')}" + (f"?{query}" if query else "")


def wait_laid_out(page: Page, after: int = 0) -> int:
    """Wait for the view to be fetched and laid out (past layout number `after`); its number."""
    root = page.get_by_test_id("lineage-page")
    expect(root).to_have_attribute("data-layout-done", "true")
    if after:
        page.wait_for_function(
            "n => Number(document.querySelector('[data-testid=lineage-page]')"
            ".dataset.layoutCount) > n && document.querySelector('[data-testid=lineage-page]')"
            ".dataset.layoutDone === 'true'",
            arg=after,
        )
    return int(root.get_attribute("data-layout-count") or "0")


def node(page: Page, label: str) -> Locator:
    """A node of the graph by (the start of) its accessible name."""
    return page.locator(f'[data-testid="lineage-node"][aria-label^="{label}"]')


def layout_positions(page: Page) -> dict[str, tuple[float, float]]:
    """Every drawn node's position in the layout (graph coordinates), by id."""
    found: dict[str, tuple[float, float]] = page.eval_on_selector_all(
        '[data-testid="lineage-node"]',
        "els => Object.fromEntries(els.map(e =>"
        " [e.dataset.nodeId, [Number(e.dataset.x), Number(e.dataset.y)]]))",
    )
    return {key: (value[0], value[1]) for key, value in found.items()}


def screen_boxes(page: Page) -> dict[str, tuple[float, float, float, float]]:
    found: dict[str, list[float]] = page.eval_on_selector_all(
        '[data-testid="lineage-node"]',
        "els => Object.fromEntries(els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.dataset.nodeId, [r.x, r.y, r.width, r.height]]; }))",
    )
    return {key: (v[0], v[1], v[2], v[3]) for key, v in found.items()}


def test_cluster_search_extract_keeps_layout_and_reload_restores_view(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, training.dataset_path, "direction=DOWNSTREAM&depth=2"))
    wait_laid_out(page)
    expect(node(page, "Artifact version corpus:v0")).to_be_visible()
    cluster = node(page, "Cluster of 7 runs, train")
    expect(cluster).to_be_visible()
    expect(node(page, "Cluster of 7 versions, model")).to_be_visible()
    expect(node(page, "Run evaluate")).to_have_count(0)

    cluster.click()
    search = page.get_by_role("searchbox", name="Search train")
    expect(search).to_be_visible()
    expect(page.get_by_test_id("cluster-total")).to_have_text("7 members")
    search.fill("train-3")
    expect(page.get_by_test_id("cluster-total")).to_have_text(re.compile(r"^1 matching"))
    expect(page.get_by_test_id("cluster-member")).to_have_count(1)
    expect(page.get_by_test_id("cluster-member")).to_contain_text("train-3")

    before_layout = layout_positions(page)
    before_screen = screen_boxes(page)
    count = wait_laid_out(page)
    page.get_by_role("button", name="Extract train-3").click()
    wait_laid_out(page, after=count)
    # Every node already on screen keeps its place, in the layout and on the screen (0 px).
    after_layout = layout_positions(page)
    after_screen = screen_boxes(page)
    for node_id, position in before_layout.items():
        assert after_layout[node_id] == position, f"{node_id} moved in the layout"
        assert after_screen[node_id] == before_screen[node_id], f"{node_id} moved on screen"
    root = page.get_by_test_id("lineage-page")
    expect(root).to_have_attribute("data-node-count", str(len(before_layout) + 3))
    page.get_by_role("button", name="Fit to screen").click()
    expect(node(page, "Run train-3, job type train")).to_be_visible()
    expect(node(page, "Artifact version model:v3")).to_be_visible()
    expect(node(page, "Run evaluate, job type eval")).to_be_visible()
    after_layout = layout_positions(page)
    assert len(after_layout) == len(before_layout) + 3  # train-3, model:v3, evaluate

    url = page.url
    assert "extract=" in url and "select=" in url
    page.reload()
    wait_laid_out(page)
    expect(root).to_have_attribute("data-node-count", str(len(after_layout)))
    page.get_by_role("button", name="Fit to screen").click()
    expect(node(page, "Run evaluate, job type eval")).to_be_visible()
    assert layout_positions(page) == after_layout
    expect(node(page, "Run train-3")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("details-panel")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lineage.png"))
