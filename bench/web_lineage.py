"""Benchmark: the web app's lineage page in headless Chromium against a real `lineage serve`.

    python bench/web_lineage.py --quick             # a ~10,000-node graph, few samples (< 2 min)
    python bench/web_lineage.py                     # a ~100,000-node graph
    python bench/web_lineage.py --nodes 1000000     # bench/lineage_traversal.py's graph (kept)

Starts its own Neo4j: at 1,000,000 nodes `.lineage/bench-neo4j-lineage`, the one
bench/lineage_traversal.py uses, so the graph it built is reused (built here once and kept when
missing: expect tens of minutes); below, `.lineage/bench-neo4j-web` with two blocks of
`bench/lineage_ingest.py`'s shape (20 layers, width nodes/40; kept for the next run). Starts
`lineage serve` (with the bundle in api/web/static), signs a server admin in through
`POST /auth/session` and drives Debian's Chromium (Playwright, headless) to measure:
- load: navigation to the lineage page of a block's seed at depth 3 until the page root carries
  `data-layout-done="true"` (drawn and laid out; web/src/lineage/README-markers.md), p50/p95;
- after growing the view to >= 2,000 visible items (depth and `items` in the URL, then expand
  handles, as a person would), the response of pan (drag), zoom (wheel), select (click a node)
  and hide (its eye button): from the input event's timestamp to the next painted frame after
  the page shows the change, p50/p95;
- cluster search: typing a member's name into a cluster's search box, then extracting the
  result, until the member is drawn;
- the app's own JavaScript gzipped: the chunks index.html reaches (statically or by dynamic
  import), without GraphiQL's entry and the chunks only it reaches.
Targets on 2 cores: load p95 <= 1.5 s, interactions p95 <= 100 ms, extract <= 300 ms,
JavaScript <= 400 KiB gzipped.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import Browser, FloatRect, Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from bench.common import start_api  # noqa: E402
from bench.lineage_ingest import (  # noqa: E402
    ORG,
    PROJECT,
    Block,
    block_loaded,
    create_versions,
    ensure_graph,
    ingest_runs,
)
from graph.access.orgs import ensure_project  # noqa: E402
from graph.access.users import create_user  # noqa: E402
from graph.core.bootstrap import bootstrap  # noqa: E402
from graph.core.driver import Graph, connect  # noqa: E402
from services import neo4j_server  # noqa: E402

FULL = 1_000_000
TRAVERSAL_BLOCKS = 5  # bench/lineage_traversal.py's graph: 5 blocks x 20 layers x 10,000
LAYERS = 20
STATIC = REPO / "api" / "web" / "static"
PAGE = '[data-testid="lineage-page"]'
NODE = '[data-testid="lineage-node"]'
MIN_ITEMS = 2_000


STARTED = time.monotonic()


def progress(what: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f}s] {what}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
    )


def neo4j_config(port: int, memory: str, full: bool) -> neo4j_server.Neo4jServerConfig:
    """The traversal benchmark's Neo4j for its graph; a database of their own for smaller ones."""
    return neo4j_server.Neo4jServerConfig(
        home=REPO / ".lineage" / ("bench-neo4j-lineage" if full else "bench-neo4j-web"),
        bolt_port=port,
        heap=memory,
        pagecache=memory,
        jar_cache=REPO / ".lineage" / "neo4j-lib-5.26.30",
    )


def blocks_for(nodes: int) -> list[Block]:
    """The blocks of a graph of about `nodes` lineage nodes: the traversal benchmark's at
    1,000,000 and above, else two blocks of 20 layers (their numbers encode the width, so graphs
    of several sizes live side by side in the benchmark database)."""
    if nodes >= FULL:
        return [Block(n) for n in range(TRAVERSAL_BLOCKS)]
    width = max(50, nodes // (2 * LAYERS))
    return [Block(7_000_000 + width * 10 + k, width=width, layers=LAYERS) for k in range(2)]


async def ensure_blocks(graph: Graph, blocks: list[Block]) -> float:
    """Load the blocks not loaded yet; seconds spent."""
    began = time.monotonic()
    await bootstrap(graph)
    await ensure_project(graph, ORG, PROJECT)
    if blocks[0].number == 0 and blocks[0].width == Block(0).width:
        await ensure_graph(graph, len(blocks))
        return time.monotonic() - began
    for block in blocks:
        if await block_loaded(graph, block):
            continue
        await create_versions(graph, block)
        await ingest_runs(graph, block)
    return time.monotonic() - began


def seed_path(block: Block) -> str:
    """The block's seed as a person would paste it: `org/project/raw-<n>:v0`."""
    return f"{ORG}/{PROJECT}/raw-{block.number}:v0"


def lineage_url(base: str, seed: str, **params: object) -> str:
    query = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    return f"{base}/lineage/{seed}?{query}"


# In-page measurement: one input event's timestamp (event.timeStamp, same clock as
# performance.now()) to the first frame painted after `until` holds. Armed before Playwright
# sends the input; conditions are data (the page's CSP allows no eval).
ARM = """
(spec) => {
  const state = (window.__bench ??= { results: {} });
  const holds = () => {
    if (spec.until === "frame") return true;
    if (spec.until === "gone") return !document.querySelector(spec.selector);
    if (spec.until === "present") return !!document.querySelector(spec.selector);
    if (spec.until === "attr") {
      const element = document.querySelector(spec.selector);
      return !!element && element.getAttribute(spec.attr) === spec.value;
    }
    if (spec.until === "transform") {
      const element = document.querySelector(spec.selector);
      return !!element && element.style.transform !== spec.value;
    }
    return false;
  };
  const listener = (event) => {
    window.removeEventListener(spec.event, listener, true);
    const start = event.timeStamp;
    const poll = () => {
      if (holds()) {
        // the frame that shows the change: after the next rAF, once it is painted
        requestAnimationFrame(() => setTimeout(() => {
          state.results[spec.id] = performance.now() - start;
        }, 0));
      } else {
        requestAnimationFrame(poll);
      }
    };
    requestAnimationFrame(poll);
  };
  window.addEventListener(spec.event, listener, true);
}
"""


def measure(page: Page, spec: dict[str, str], action: Callable[[], None]) -> float:
    """Milliseconds from `spec['event']` (fired by `action`) to the frame showing the change;
    NaN when nothing changed within 15 s."""
    token = uuid.uuid4().hex
    page.evaluate(ARM, {**spec, "id": token})
    action()
    try:
        page.wait_for_function(
            "(id) => window.__bench.results[id] !== undefined", arg=token, timeout=15_000
        )
    except PlaywrightTimeout:
        return math.nan
    return float(page.evaluate("(id) => window.__bench.results[id]", token))


def wait_laid_out(page: Page, timeout: float = 60_000) -> float:
    """performance.now() (ms since navigation) when the page first shows layout done."""
    try:
        handle = page.wait_for_function(
            """() => {
              const root = document.querySelector('[data-testid="lineage-page"]');
              const done = root && root.getAttribute("data-layout-done") === "true";
              return done ? performance.now() : 0;
            }""",
            polling="raf",
            timeout=timeout,
        )
    except PlaywrightTimeout:
        shot = Path(tempfile.gettempdir()) / "web-bench-stuck.png"
        page.screenshot(path=str(shot))
        stuck = f"the page never finished its layout: {page.url} (screenshot {shot})"
        raise SystemExit(stuck) from None
    return float(handle.json_value())


def visible_items(page: Page) -> int:
    value = page.locator(PAGE).get_attribute("data-visible-items")
    return int(value) if value and value.isdigit() else page.locator(NODE).count()


@dataclass
class Figures:
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, what: str, values: list[float], target: str, note: str = "") -> None:
        done = [v for v in values if not math.isnan(v)]
        p50, p95 = percentile(done, 0.5), percentile(done, 0.95)
        failed = (
            f", {len(values) - len(done)} showed no change in 15 s"
            if len(done) < len(values)
            else ""
        )
        self.rows.append(
            (what, f"{p50:8.1f}", f"{p95:8.1f}", target, f"n={len(done)}{failed}; {note}")
        )

    def text(self, what: str, value: str, target: str, note: str = "") -> None:
        self.rows.append((what, "", value, target, note))

    def print(self) -> None:
        print(f"\n{'measure':<34} | {'p50 ms':>8} | {'p95 ms':>8} | {'target':<10} | note")
        print("-" * 100)
        for what, p50, p95, target, note in self.rows:
            print(f"{what:<34} | {p50:>8} | {p95:>8} | {target:<10} | {note}")


def sign_in(page: Page, base: str, key: str) -> None:
    answer = page.request.post(
        f"{base}/auth/session",
        data=json.dumps({"apiKey": key}),
        headers={"content-type": "application/json", "x-lineage-csrf": "1"},
    )
    if not answer.ok:
        raise SystemExit(f"sign-in failed: HTTP {answer.status} {answer.text()}")


def measure_load(page: Page, base: str, seeds: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs):
        page.goto(lineage_url(base, seeds[i % len(seeds)], direction="DOWNSTREAM", depth=3))
        times.append(wait_laid_out(page))
    return times


def grow(
    page: Page, base: str, seed: str, target: int, deepest: int, clicks: int
) -> tuple[int, str]:
    """Open the seed's view and grow it to `target` visible items: deeper levels, 500 items per
    level and no clustering through the URL (as a shared link would), then clicks on expand
    handles on screen, as a person would; (items reached, how)."""
    items, how = 0, ""
    for depth in sorted({min(4, deepest), min(8, deepest), min(16, deepest), deepest}):
        url = lineage_url(base, seed, direction="DOWNSTREAM", depth=depth, items=500)
        page.goto(f"{url}&cluster=1000000")
        wait_laid_out(page, timeout=120_000)
        items, how = visible_items(page), f"depth {depth}, items=500, cluster=1000000"
        if items >= target:
            return items, how
    done = 0
    while items < target and done < clicks:
        point = page.evaluate(
            """() => {
              const w = window.innerWidth, h = window.innerHeight;
              for (const el of document.querySelectorAll('button[aria-label^="Expand "]')) {
                const r = el.getBoundingClientRect();
                if (r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= w && r.bottom <= h)
                  return [r.x + r.width / 2, r.y + r.height / 2];
              }
              return null;
            }"""
        )
        if point is None:
            break
        count = page.locator(PAGE).get_attribute("data-layout-count")
        page.mouse.click(point[0], point[1])
        done += 1
        try:
            page.wait_for_function(
                """(count) => {
                  const root = document.querySelector('[data-testid="lineage-page"]');
                  return root.getAttribute("data-layout-count") !== count
                    && root.getAttribute("data-layout-done") === "true";
                }""",
                arg=count,
                timeout=20_000,
            )
        except PlaywrightTimeout:
            break
        items = visible_items(page)
    return items, f"{how}, then {done} expand clicks" if done else how


def on_screen_node(page: Page, hideable: bool = False) -> str | None:
    """The id of a node drawn near the middle of the viewport (one with a hide button)."""
    selector = f'{NODE}:has(button[aria-label^="Hide "])' if hideable else NODE
    found = page.evaluate(
        """(selector) => {
          const w = window.innerWidth, h = window.innerHeight;
          let best = null, bestDistance = Infinity;
          for (const el of document.querySelectorAll(selector)) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right < 0 || r.bottom < 0 || r.left > w || r.top > h) continue;
            const d = Math.hypot(r.x + r.width / 2 - w / 2, r.y + r.height / 2 - h / 2);
            if (d < bestDistance) { best = el.getAttribute("data-node-id"); bestDistance = d; }
          }
          return best;
        }""",
        selector,
    )
    return str(found) if found else None


def node_selector(node_id: str) -> str:
    return f'{NODE}[data-node-id="{node_id}"]'


def scale(page: Page) -> float:
    transform = page.evaluate(
        "() => document.querySelector('.react-flow__viewport').style.transform"
    )
    found = re.search(r"scale\(([\d.]+)\)", str(transform))
    return float(found.group(1)) if found else 1.0


def zoom_to_reading(page: Page) -> float:
    """Zoom in with the wheel at the middle of the pane until nodes are full size; the scale."""
    box = page.locator(".react-flow__pane").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(60):
        if scale(page) >= 0.95:
            break
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(60)
    page.wait_for_timeout(300)
    return scale(page)


def empty_spot(page: Page, box: FloatRect) -> tuple[float, float] | None:
    """A point of empty pane to drag from (pressing on a node would drag the node instead)."""
    found = page.evaluate(
        """([x0, y0, w, h]) => {
          for (let y = y0 + h - 20; y > y0 + 20; y -= 17)
            for (let x = x0 + 20; x < x0 + w - 60; x += 23) {
              const el = document.elementFromPoint(x, y);
              if (el && el.classList.contains("react-flow__pane")) return [x, y];
            }
          return null;
        }""",
        [box["x"], box["y"], box["width"], box["height"]],
    )
    return (float(found[0]), float(found[1])) if found else None


def uncovered_point(page: Page, selector: str) -> tuple[float, float] | None:
    """A point of the element `selector` that no other element covers (where a click lands)."""
    found = page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          for (let fy = 0.5; fy > 0.05; fy -= 0.15)
            for (const fx of [0.5, 0.3, 0.7, 0.15, 0.85]) {
              for (const y of [r.top + r.height * fy, r.bottom - r.height * fy]) {
                const x = r.left + r.width * fx;
                const hit = document.elementFromPoint(x, y);
                if (hit && (hit === el || el.contains(hit))) return [x, y];
              }
            }
          return null;
        }""",
        selector,
    )
    return (float(found[0]), float(found[1])) if found else None


def measure_interactions(page: Page, samples: int, figures: Figures, note: str) -> None:
    viewport = ".react-flow__viewport"
    pane = page.locator(".react-flow__pane")
    box = pane.bounding_box()
    if box is None:
        raise SystemExit("no React Flow pane")
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    pans, zooms, selects, hides = [], [], [], []
    covered = 0
    for i in range(samples):
        transform = page.evaluate(f"() => document.querySelector('{viewport}').style.transform")
        px, py = empty_spot(page, box) or (cx, cy)
        page.mouse.move(px, py)
        page.mouse.down()

        def drag(i: int = i, px: float = px, py: float = py) -> None:
            page.mouse.move(px + (15 if i % 2 else -15), py + 5, steps=1)

        spec = {"event": "pointermove", "until": "transform", "selector": viewport}
        pans.append(measure(page, {**spec, "value": transform}, drag))
        page.mouse.up()

        transform = page.evaluate(f"() => document.querySelector('{viewport}').style.transform")
        page.mouse.move(cx, cy)
        spec = {"event": "wheel", "until": "transform", "selector": viewport, "value": transform}
        # in then out when zoomed out (a fitted view of thousands of items is at the minimum
        # zoom), out then in when zoomed in (the maximum may be near)
        first = -120 if scale(page) < 0.5 else 120
        zooms.append(measure(page, spec, partial(page.mouse.wheel, 0, -first if i % 2 else first)))

    page.keyboard.press("Escape")
    for _ in range(samples):
        node_id = on_screen_node(page)
        if node_id is None:
            raise SystemExit("no node on screen to select")
        target = page.locator(node_selector(node_id)).first
        spec = {"event": "click", "until": "attr", "selector": node_selector(node_id)}
        spec |= {"attr": "aria-selected", "value": "true"}
        selects.append(measure(page, spec, target.click))

    for _ in range(samples):
        node_id = on_screen_node(page, hideable=True)
        if node_id is None:
            break  # only the seed is left
        target = page.locator(node_selector(node_id)).first
        target.hover()
        point = uncovered_point(page, f'{node_selector(node_id)} button[aria-label^="Hide "]')
        if point is None:  # at small zoom the node's other buttons may cover all of it
            covered += 1
            continue
        spec = {"event": "click", "until": "gone", "selector": node_selector(node_id)}
        hides.append(measure(page, spec, partial(page.mouse.click, point[0], point[1])))
        wait_laid_out(page)

    figures.add("pan (drag)", pans, "<= 100", note)
    figures.add("zoom (wheel)", zooms, "<= 100", note)
    figures.add("select (click a node)", selects, "<= 100", note)
    skipped = f", {covered} eye buttons covered by another button (skipped)" if covered else ""
    figures.add("hide (eye button) until gone", hides, "<= 100", note + skipped)


def measure_cluster_extract(page: Page, samples: int, figures: Figures) -> None:
    """Open a cluster, search its members for one by name (server-side), extract the result:
    from the click on Extract until the member is drawn as its own node."""
    times, note = [], ""
    for i in range(samples):
        clusters = page.locator(f'{NODE}[data-kind="cluster"]')
        if clusters.count() <= i:
            note = f"only {clusters.count()} clusters in view"
            break
        clusters.nth(i).click()
        search = page.get_by_role("searchbox").first
        search.fill("")  # a search of the previous cluster may linger
        extract = page.get_by_role("button", name=re.compile(r"^Extract "))
        try:
            extract.first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            note = f"cluster {i}: no member to extract"
            continue
        name = (extract.first.get_attribute("aria-label") or "").removeprefix("Extract ")
        search.fill(name)
        page.get_by_test_id("cluster-total").filter(has_text="matching").wait_for()
        chosen = page.get_by_role("button", name=f"Extract {name}", exact=True).first
        spec = {"event": "click", "until": "present", "selector": f'{NODE}[aria-label*="{name},"]'}
        times.append(measure(page, spec, chosen.click))
        wait_laid_out(page)
    if times:
        figures.add("cluster search result: extract", times, "<= 300", note)
    else:
        figures.text("cluster search result: extract", "n/a", "<= 300", note)


def app_javascript() -> tuple[int, int, list[str]]:
    """(bytes, gzipped bytes, files) of the JavaScript index.html reaches, GraphiQL's excluded."""
    assets = STATIC / "assets"
    names = {p.name for p in assets.glob("*.js")}
    pattern = re.compile(r"[\w.-]+\.js")

    def reach(text: str) -> set[str]:
        return {m for m in pattern.findall(text) if m in names}

    seen: set[str] = set()
    todo = reach((STATIC / "index.html").read_text())
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo |= reach((assets / name).read_text(errors="replace")) - seen
    app = sorted(seen)  # GraphiQL is its own entry (graphiql.html): the app never loads it
    raw = sum((assets / n).stat().st_size for n in app)
    packed = sum(len(gzip.compress((assets / n).read_bytes(), 9)) for n in app)
    return raw, packed, app


def browse(
    browser: Browser,
    base: str,
    key: str,
    args: argparse.Namespace,
    seeds: list[str],
    figures: Figures,
) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, base, key)
    page.goto(lineage_url(base, seeds[0], direction="DOWNSTREAM", depth=3))
    wait_laid_out(page)  # warm the server and the browser's caches
    progress("measuring page loads")
    loads = measure_load(page, base, seeds, args.navigations)
    figures.add("load: seed at depth 3, layout done", loads, "<= 1500", f"{len(seeds)} seeds")

    progress(f"growing the view to {MIN_ITEMS:,} items")
    items, how = grow(page, base, seeds[0], MIN_ITEMS, args.max_depth, args.clicks)
    progress(f"{items:,} items ({how}); measuring pan, zoom, select, hide")
    figures.text("visible items after growing", f"{items:,}", f">= {MIN_ITEMS:,}", how)
    drawn = page.locator(NODE).count()
    measure_interactions(page, args.samples, figures, f"{items:,} items, fitted: {drawn:,} drawn")
    progress("zooming to full size and measuring again")
    zoomed = zoom_to_reading(page)
    drawn = page.locator(NODE).count()
    measure_interactions(
        page, args.samples, figures, f"{items:,} items, zoom {zoomed:.2f}: {drawn:,} drawn"
    )
    page.goto(lineage_url(base, seeds[0], direction="DOWNSTREAM", depth=3))
    wait_laid_out(page)
    small = visible_items(page)
    progress(f"baseline: the same interactions at depth 3 ({small} items)")
    measure_interactions(page, args.samples, figures, f"baseline: {small} items at depth 3")
    page.goto(lineage_url(base, seeds[0], direction="DOWNSTREAM", depth=3))
    wait_laid_out(page)
    progress("measuring cluster search and extract")
    measure_cluster_extract(page, max(3, args.samples // 4), figures)
    context.close()


async def prepare(uri: str, password: str | None, blocks: list[Block]) -> str:
    """Load the graph's missing blocks and make a server admin; its API key."""
    graph = connect(uri, neo4j_server.LOCAL_USER, password)
    try:
        seconds = await ensure_blocks(graph, blocks)
        total = sum(b.width * b.layers + 1 for b in blocks)
        print(f"graph ready in {seconds:.0f}s: {len(blocks)} blocks, {total:,} lineage nodes")
        _, key = await create_user(
            graph, f"web-bench-{uuid.uuid4().hex[:8]}", is_server_admin=True, with_key=True
        )
        assert key is not None
        return key.secret
    finally:
        await graph.close()


def run(args: argparse.Namespace) -> None:
    if not (STATIC / "index.html").exists():
        raise SystemExit("no web bundle: cd web && npm ci && npm run build")
    full = args.nodes >= FULL
    config = neo4j_config(args.port or (17788 if full else 17789), "4g" if full else "1g", full)
    began = time.monotonic()
    neo4j_server.start(config)
    print(f"benchmark Neo4j at {config.bolt_uri} ({time.monotonic() - began:.0f}s to start)")
    password = neo4j_server.read_password(config.home)
    api: subprocess.Popen[bytes] | None = None
    figures = Figures()
    try:
        blocks = blocks_for(args.nodes)
        key = asyncio.run(prepare(config.bolt_uri, password, blocks))
        port = free_port()
        os.environ["LINEAGE_RATE_LIMIT_PER_KEY"] = "0"
        os.environ["LINEAGE_RATE_LIMIT_ANONYMOUS"] = "0"
        api = start_api(
            config.bolt_uri, port, Path(tempfile.mkdtemp(prefix="web-bench-")), password
        )
        base = f"http://127.0.0.1:{port}"
        seeds = [seed_path(b) for b in blocks]
        load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, headless=True, args=["--no-sandbox"]
            )
            try:
                browse(browser, base, key, args, seeds, figures)
            finally:
                browser.close()
        raw, packed, files = app_javascript()
        figures.text(
            "app JavaScript, gzipped",
            f"{packed / 1024:.1f} KiB",
            "<= 400 KiB",
            f"{len(files)} chunks, {raw / 1024:.0f} KiB raw, GraphiQL excluded",
        )
        print(
            f"\nload average before: {load_before}; now: "
            + ", ".join(f"{x:.2f}" for x in os.getloadavg())
            + " (2 cores, shared with Neo4j, the API and Chromium)"
        )
        figures.print()
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        if not args.keep_neo4j:
            neo4j_server.stop(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--nodes",
        type=int,
        default=100_000,
        help="graph size (>= 1,000,000: bench/lineage_traversal.py's graph)",
    )
    parser.add_argument("--quick", action="store_true", help="a ~10,000-node graph, few samples")
    parser.add_argument("--navigations", type=int, default=30, help="page loads measured")
    parser.add_argument("--samples", type=int, default=20, help="samples per interaction")
    parser.add_argument("--max-depth", type=int, default=20, help="deepest view tried to grow")
    parser.add_argument("--clicks", type=int, default=100, help="expand clicks at most")
    parser.add_argument(
        "--port", type=int, default=0, help="bolt port of the bench Neo4j (17788 / 17789)"
    )
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the Neo4j running")
    args = parser.parse_args()
    if args.quick:
        args.nodes = min(args.nodes, 10_000)
        args.navigations = min(args.navigations, 8)
        args.samples = min(args.samples, 6)
        args.max_depth = min(args.max_depth, 16)
        args.clicks = min(args.clicks, 20)
    run(args)


if __name__ == "__main__":
    main()
