"""The lineage graph page in Chromium against a real server: clusters searched on the server and
members extracted with their own edges, a layout that stays put, the view in the URL, keyboard
navigation along edges, hiding, dragging and zooming, truncation shown where it happens."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from .lineage_seed import Training, seed_crowded, seed_training, seed_twins, seed_wide
from .support import WebServer, screenshot_path, sign_in


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


def test_screenshot_of_the_lineage_page(
    page: Page, web_server: WebServer, training: Training, tmp_path: Path
) -> None:
    """docs/screenshots/lineage.png, shown in the README: both directions, the clusters, the
    extracted run with its own walk, and the cluster's search."""
    page.set_viewport_size({"width": 1600, "height": 820})
    sign_in(page, web_server)
    train3 = quote(training.train_runs["train-3"])
    page.goto(
        lineage_url(
            web_server,
            training.dataset_path,
            f"direction=BOTH&depth=2&extract=DOWNSTREAM:{train3}&select=c:d1:train",
        )
    )
    wait_laid_out(page)
    page.get_by_role("searchbox", name="Search train").fill("train-3")
    expect(page.get_by_test_id("cluster-member")).to_have_count(1)
    page.get_by_role("button", name="Preview train-3").click()
    page.get_by_role("button", name="Fit to screen").click()
    node(page, "Run train-3").hover()
    page.screenshot(path=str(screenshot_path("lineage.png", tmp_path)))


def selected_id(page: Page) -> str | None:
    found: str | None = page.eval_on_selector(
        '[data-testid="lineage-page"]',
        "() => new URL(location.href).searchParams.get('select')",
    )
    return found


def test_keyboard_moves_the_selection_along_edges(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    train3 = training.train_runs["train-3"]
    query = f"direction=BOTH&depth=2&select={quote(train3)}"
    page.goto(lineage_url(web_server, train3, query))
    wait_laid_out(page)
    expect(node(page, "Run train-3")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("details-panel")).to_have_count(0)
    node(page, "Run train-3").focus()

    page.keyboard.press("ArrowRight")  # downstream: the model train-3 logged
    expect(node(page, "Artifact version model:v3")).to_have_attribute("aria-selected", "true")
    assert selected_id(page) == training.models["train-3"]
    page.keyboard.press("ArrowRight")
    expect(node(page, "Run evaluate")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # upstream again
    page.keyboard.press("ArrowLeft")
    expect(node(page, "Run train-3")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # the dataset train-3 consumed
    expect(node(page, "Artifact version corpus:v0")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # opens its details
    expect(page.get_by_test_id("details-panel")).to_be_visible()
    expect(page.get_by_test_id("details-panel")).to_contain_text("corpus")

    # Siblings: the extracted run sits below its cluster in the same column.
    page.goto(
        lineage_url(
            web_server,
            training.dataset_path,
            f"direction=DOWNSTREAM&depth=2&extract=DOWNSTREAM:{quote(train3)}&select=c:d1:train",
        )
    )
    wait_laid_out(page)
    expect(node(page, "Cluster of 7 runs")).to_have_attribute("aria-selected", "true")
    node(page, "Cluster of 7 runs").focus()
    page.keyboard.press("ArrowDown")
    expect(node(page, "Run train-3")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    expect(node(page, "Cluster of 7 runs")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("h")  # hides the selection, and what only it led to
    expect(node(page, "Run train-3")).to_have_count(0)
    assert "hide=" in page.url


def test_hiding_a_node_stops_its_upstream_and_showing_brings_it_back(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, training.eval_run, "direction=UPSTREAM&depth=4"))
    wait_laid_out(page)
    root = page.get_by_test_id("lineage-page")
    for label in ("Artifact version model:v3", "Run train-3", "Artifact version corpus:v0"):
        expect(node(page, label)).to_be_visible()
    before = layout_positions(page)
    model = node(page, "Artifact version model:v3")
    model.hover()
    page.get_by_role("button", name="Hide model:v3").click()
    expect(node(page, "Artifact version model:v3")).to_have_count(0)
    expect(node(page, "Run train-3")).to_have_count(0)
    expect(node(page, "Artifact version corpus:v0")).to_have_count(0)
    expect(node(page, "Run prepare-corpus")).to_have_count(0)
    expect(root).to_have_attribute("data-node-count", "1")  # the evaluation alone
    assert layout_positions(page)[training.eval_run] == before[training.eval_run]

    page.reload()  # hidden is part of the URL
    wait_laid_out(page)
    expect(root).to_have_attribute("data-node-count", "1")
    page.get_by_role("button", name="Hidden (1)").click()
    page.get_by_role("button", name="Show model:v3").click()
    expect(root).to_have_attribute("data-node-count", str(len(before)))
    page.get_by_role("button", name="Fit to screen").click()
    expect(node(page, "Run train-3")).to_be_visible()
    assert layout_positions(page) == before


def test_expand_and_collapse_keep_the_layout(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    train3 = training.train_runs["train-3"]
    page.goto(
        lineage_url(
            web_server,
            training.dataset_path,
            f"direction=DOWNSTREAM&depth=2&extract=DOWNSTREAM:{quote(train3)}",
        )
    )
    wait_laid_out(page)
    page.get_by_role("button", name="Fit to screen").click()
    before = layout_positions(page)
    count = wait_laid_out(page)
    node(page, "Run evaluate").hover()
    page.get_by_role("button", name="Expand evaluate downstream").click()
    wait_laid_out(page, after=count)
    root = page.get_by_test_id("lineage-page")
    expect(root).to_have_attribute("data-node-count", str(len(before) + 1))
    assert {key: value for key, value in layout_positions(page).items() if key in before} == before
    page.get_by_role("button", name="Fit to screen").click()
    expect(node(page, "Artifact version report:v0")).to_have_count(1)
    expanded = layout_positions(page)
    assert {key: expanded[key] for key in before} == before
    report = training.report_id
    assert report in expanded

    node(page, "Run evaluate").hover()
    page.get_by_role("button", name="Collapse evaluate downstream").click()
    expect(node(page, "Artifact version report:v0")).to_have_count(0)
    expect(root).to_have_attribute("data-node-count", str(len(before)))
    assert layout_positions(page) == before
    node(page, "Run evaluate").hover()
    page.get_by_role("button", name="Expand evaluate downstream").click()
    expect(node(page, "Artifact version report:v0")).to_have_count(1)
    assert layout_positions(page) == expanded  # collapse then expand: the same layout


def _toggle(page: Page, run: str, action: str) -> None:
    count = wait_laid_out(page)
    node(page, f"Run {run}").hover()
    page.get_by_role("button", name=f"{action} {run} downstream").click()
    wait_laid_out(page, after=count)


def test_a_collapse_between_expansions_survives_a_reload(page: Page, web_server: WebServer) -> None:
    """Expand A, expand B, collapse A: B stays put, a reload draws the same picture, and
    expanding A again (after the reload) brings back the layout of A and B together. A's four
    outputs fill the rows where B's one output would go without them, so a reload that forgot
    A's collapsed level would place B's output elsewhere."""
    base = seed_crowded(web_server)
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, base, "direction=DOWNSTREAM&depth=1"))
    wait_laid_out(page)
    _toggle(page, "wide-out", "Expand")
    _toggle(page, "narrow-out", "Expand")
    both = layout_positions(page)
    assert len(both) == 1 + 2 + 4 + 1, both

    _toggle(page, "wide-out", "Collapse")
    after_collapse = layout_positions(page)
    assert len(after_collapse) == 1 + 2 + 1
    assert after_collapse == {key: both[key] for key in after_collapse}  # nothing moved
    assert "expand=%7E" in page.url or "expand=~" in page.url  # kept in its place, collapsed

    page.reload()
    wait_laid_out(page)
    expect(node(page, "Artifact version single:v0")).to_have_count(1)
    assert layout_positions(page) == after_collapse  # the same picture after a reload

    _toggle(page, "wide-out", "Expand")
    assert layout_positions(page) == both  # where it was, the rest unmoved


def test_drag_and_zoom_move_a_node_on_screen(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, training.dataset_path, "direction=DOWNSTREAM&depth=2"))
    wait_laid_out(page)
    seed = node(page, "Artifact version corpus:v0")
    box = seed.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 90, box["y"] + box["height"] / 2 + 60, steps=8)
    page.mouse.up()
    dragged = seed.bounding_box()
    assert dragged is not None
    assert dragged["x"] - box["x"] > 30 and dragged["y"] - box["y"] > 40
    assert float(seed.get_attribute("data-x") or "0") != 0.0  # the layout model moved too

    page.get_by_role("button", name="Zoom In").click()
    zoomed = seed.bounding_box()
    assert zoomed is not None
    assert zoomed["width"] > dragged["width"] + 5
    canvas = page.locator(".react-flow__pane").bounding_box()
    assert canvas is not None
    start_x, start_y = canvas["x"] + 40, canvas["y"] + 40  # empty pane: a drag pans
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x - 100, start_y - 50, steps=5)
    page.mouse.up()
    panned = seed.bounding_box()
    assert panned is not None
    assert abs(panned["x"] - zoomed["x"] + 100) < 2 and abs(panned["y"] - zoomed["y"] + 50) < 2


def test_truncation_is_shown_on_a_level_of_10000_with_load_more(
    page: Page, web_server: WebServer
) -> None:
    path, _ = seed_wide(web_server)
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, path, "direction=DOWNSTREAM&depth=2"))
    wait_laid_out(page)
    expect(node(page, "Cluster of 10,000 runs")).to_be_visible()
    note = page.get_by_test_id("truncation-note")
    expect(note).to_contain_text("Level capped at 500 of 10,000")
    expect(page.get_by_text(re.compile("truncated: level limit"))).to_be_visible()
    note.get_by_role("button", name=re.compile("Load more")).click()
    expect(note).to_contain_text("Level capped at 2,000 of 10,000")
    assert "levelLimit=2000" in page.url


def test_same_names_are_told_apart_and_filters_prune(page: Page, web_server: WebServer) -> None:
    org, alpha_model = seed_twins(web_server)
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, alpha_model, "direction=BOTH&depth=2"))
    wait_laid_out(page)
    expect(page.get_by_test_id("lineage-page")).to_have_attribute("data-node-count", "4")
    # Two runs named train and two versions model:v0: each shows the project it belongs to.
    expect(node(page, f"Run train, job type train ({org}/alpha)")).to_be_visible()
    expect(node(page, f"Run train, job type train ({org}/beta)")).to_be_visible()
    expect(node(page, f"Artifact version model:v0, type model ({org}/beta)")).to_be_visible()
    expect(node(page, f"Artifact version model:v0, type model ({org}/alpha)")).to_contain_text(
        f"{org}/alpha"
    )

    page.get_by_label("Direction").select_option("DOWNSTREAM")
    page.get_by_label("Job types").fill("eval")
    page.get_by_label("Job types").press("Enter")
    wait_laid_out(page)
    assert "jobTypes=eval" in page.url and "direction=DOWNSTREAM" in page.url
    expect(page.get_by_test_id("lineage-page")).to_have_attribute("data-node-count", "1")
    page.reload()
    wait_laid_out(page)
    expect(page.get_by_label("Job types")).to_have_value("eval")
    expect(page.get_by_test_id("lineage-page")).to_have_attribute("data-node-count", "1")


def test_a_missing_or_malformed_seed_says_so(
    page: Page, web_server: WebServer, training: Training
) -> None:
    sign_in(page, web_server)
    page.goto(lineage_url(web_server, f"{training.project}/no-such-artifact:v0"))
    wait_laid_out(page)
    expect(page.get_by_text("Nothing with this id or path")).to_be_visible()
    page.goto(lineage_url(web_server, "a/b:c:d"))
    wait_laid_out(page)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile("INVALID_(PATH|INPUT)"))
    page.get_by_role("button", name="Retry").click()
    wait_laid_out(page)
    expect(alert).to_contain_text(re.compile("INVALID_(PATH|INPUT)"))
