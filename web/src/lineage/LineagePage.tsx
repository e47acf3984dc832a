// The lineage graph of a run, artifact version or registry version (`/lineage/<path or id>`).
// The URL holds the whole view (seed, direction, depth, filters, hidden, extracted, expanded,
// selection); the picture is the main walk plus each expansion and extraction in the order they
// were made, laid out so that what is on screen never moves (see ./layout.ts).
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Edge,
  type Node,
  type NodeChange,
  type NodeMouseHandler,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { navigate, usePlace } from "../router";
import { fetchPaths, edgeKey, type PathHighlight } from "./analysis/paths";
import { ClusterPanel } from "./ClusterPanel";
import { DetailsPanel } from "./details/DetailsPanel";
import { download, exportPng, exportSvg, safeFilename } from "./export";
import { COL, NODE_H, NODE_W, Positions } from "./layout";
import { ActionsContext, nodeTypes, type ItemNode, type ItemNodeData, type LineageActions, type NoteNode, type Side } from "./LineageNodes";
import { ariaLabel, assemble, itemLabel, visibleModel, type LoadedGrowth } from "./merge";
import type { LineageNodeInfo } from "./queries";
import {
  MAX_LEVEL_LIMIT,
  collapseGrowth,
  expandGrowth,
  growthValue,
  readViewState,
  removePair,
  withParams,
  type Direction,
  type Growth,
  type ViewState,
  type Way,
} from "./viewState";
import type { ViewEdge, ViewModel, ViewNode } from "./viewTypes";
import { forgetFailures, prefetchWalks, useWalks, type WalkVars } from "./walks";

const DEFAULT_BUDGET = 5000;
/** Search results of a cluster whose extraction walks are fetched ahead. */
const PREFETCHED_RESULTS = 3;
/** Fit padding with a side panel open (panels lie over the right of the canvas). */
const PANEL_PADDING = { top: "40px", bottom: "40px", left: "40px", right: "420px" } as const;
const MAX_BUDGET = 60000;

export function LineagePage() {
  return (
    <ReactFlowProvider>
      <LineageView />
    </ReactFlowProvider>
  );
}

function budgetOf(search: URLSearchParams): number {
  const value = Number.parseInt(search.get("budget") ?? "", 10);
  return Number.isFinite(value) ? Math.min(MAX_BUDGET, Math.max(1, value)) : DEFAULT_BUDGET;
}

function reverse(way: Way): Way {
  return way === "DOWNSTREAM" ? "UPSTREAM" : "DOWNSTREAM";
}

/** What every walk of a view shares: the filters, bounds and time budget of the URL. */
function walkBase(state: ViewState, budget: number): Omit<WalkVars, "seed" | "direction" | "depth"> {
  return {
    artifactTypes: state.artifactTypes,
    jobTypes: state.jobTypes,
    levelLimit: state.levelLimit,
    items: state.items,
    cluster: state.cluster,
    timeBudgetMs: budget,
  };
}

/** The walks a view needs: the main one, then per growth its walk (and an extraction's way back). */
function wantedWalks(state: ViewState, budget: number): { main: WalkVars; growths: { growth: Growth; walk: WalkVars; back?: WalkVars }[] } {
  const base = walkBase(state, budget);
  const main: WalkVars = { ...base, seed: state.seed, direction: state.direction, depth: state.depth };
  const growths = state.growths.map((growth) =>
    growth.op === "expand"
      ? { growth, walk: { ...base, seed: growth.id, direction: growth.way, depth: 1 } }
      : { growth, ...extractionWalks(state, budget, growth.id, growth.way) },
  );
  return { main, growths };
}

/** The two walks extracting `id` needs: a modest one on from the member (its outputs and their
 * consumers; handles go further) and one step back to the level it was clustered in. */
function extractionWalks(state: ViewState, budget: number, id: string, way: Way): { walk: WalkVars; back: WalkVars } {
  const base = walkBase(state, budget);
  return {
    walk: { ...base, seed: id, direction: way, depth: Math.min(Math.max(1, state.depth), 2) },
    back: { ...base, seed: id, direction: reverse(way), depth: 1 },
  };
}

/** A set of `ids` that stays the same object while its contents do, so that a render which
 * changes neither (a walk fetched ahead arriving, a selection) hands React Flow the same node
 * objects and array. */
function useSetOf(ids: string[]): Set<string> {
  const key = ids.join("\n");
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => new Set(ids), [key]);
}

function LineageView() {
  const { path, search } = usePlace();
  const state = useMemo(() => readViewState(path, search), [path, search]);
  const budget = budgetOf(search);
  const flow = useReactFlow();
  // Far out, names cannot be read: nodes are drawn as coloured boxes (much less to paint).
  const zoomedOut = useStore((store) => store.transform[2] < 0.4);
  const wanted = useMemo(() => wantedWalks(state, budget), [state, budget]);
  const flat = useMemo(() => [wanted.main, ...wanted.growths.flatMap((g) => (g.back ? [g.walk, g.back] : [g.walk]))], [wanted]);
  const entries = useWalks(flat);
  const mainEntry = entries[0];

  // Positions live as long as the main walk's shape (not its bounds: loading more keeps them).
  const layoutKey = JSON.stringify([state.seed, state.direction, state.depth, state.artifactTypes, state.jobTypes, state.items, state.cluster]);
  const positionsRef = useRef<{ key: string; positions: Positions } | null>(null);
  if (positionsRef.current?.key !== layoutKey) positionsRef.current = { key: layoutKey, positions: new Positions() };
  const positions = positionsRef.current.positions;

  // Growths apply in order; one still loading holds back the ones after it (reload = same layout).
  const collapsedKey = state.growths.map((growth) => (growth.collapsed ? "~" : "")).join(",");
  const signature = entries.map((entry) => entry.state).join(",") + "|" + collapsedKey + "|" + flat.map((vars) => JSON.stringify(vars)).join("|");
  const built = useMemo(() => {
    if (mainEntry.state !== "done" || !mainEntry.walk) return null;
    const loaded: LoadedGrowth[] = [];
    let pending = false;
    let at = 1;
    for (const { growth, back } of wanted.growths) {
      const walkEntry = entries[at++];
      const backEntry = back ? entries[at++] : undefined;
      if (walkEntry.state === "loading" || backEntry?.state === "loading") {
        pending = true;
        break;
      }
      loaded.push({
        growth,
        walk: walkEntry.state === "done" ? walkEntry.walk : null,
        back: backEntry?.state === "done" ? backEntry.walk : null,
      });
    }
    return { assembled: assemble(mainEntry.walk, state.depth, loaded, positions), pending, walk: mainEntry.walk };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layoutKey, signature]);

  const [dragTick, setDragTick] = useState(0);
  const hiddenKey = state.hidden.join("\n");
  const model: ViewModel | null = useMemo(
    () => (built ? visibleModel(built.assembled, new Set(state.hidden), positions) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [built, hiddenKey, dragTick],
  );
  // Done once nothing is loading: drawn, or the error shown (a failed walk is not waited for).
  const done = entries.every((entry) => entry.state !== "loading") && (built === null || !built.pending);
  const [layoutCount, setLayoutCount] = useState(0);
  useEffect(() => {
    if (done && built) setLayoutCount((count) => count + 1);
  }, [done, built]);

  // Fit the first picture of each walk to the screen; later changes keep the viewport.
  const fitted = useRef<string | null>(null);
  useEffect(() => {
    if (!done || !model || fitted.current === layoutKey) return;
    fitted.current = layoutKey;
    const padding = panelOpen ? PANEL_PADDING : 0.15;
    const frame = window.requestAnimationFrame(() => void flow.fitView({ padding, maxZoom: 1.1, duration: 0 }));
    return () => window.cancelAnimationFrame(frame);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [done, model, layoutKey, flow]);

  // Paths mode: the next two clicked nodes are the ends; the shortest paths between them light up.
  const [pathsMode, setPathsMode] = useState(false);
  const [pathEnds, setPathEnds] = useState<string[]>([]);
  const [paths, setPaths] = useState<(PathHighlight & { error?: string }) | null>(null);

  const byId = useMemo(() => new Map((model?.nodes ?? []).map((node) => [node.id, node])), [model]);
  const sides = useMemo(() => {
    const outgoing = new Set<string>();
    const incoming = new Set<string>();
    for (const edge of model?.edges ?? []) {
      outgoing.add(edge.source);
      incoming.add(edge.target);
    }
    return { outgoing, incoming };
  }, [model]);
  const expanded = useSetOf(state.growths.filter((g) => g.op === "expand" && !g.collapsed).map((g) => `${g.way}:${g.id}`));
  const busyIds: string[] = [];
  {
    let at = 1;
    for (const { growth, back } of wanted.growths) {
      const states = [entries[at++], back ? entries[at++] : undefined];
      if (states.some((entry) => entry?.state === "loading")) busyIds.push(growth.id);
    }
  }
  const busy = useSetOf(busyIds);

  const selected = state.select && byId.has(state.select) ? state.select : null;
  const selectedItem = selected ? built?.assembled.items.get(selected) : undefined;
  const panelOpen = selectedItem !== undefined && (selectedItem.kind === "cluster" || state.details);

  // React Flow nodes, reused per id while nothing they show changed (memoised node components).
  const nodeCache = useRef(new Map<string, { signature: string; node: ItemNode }>());
  const rfNodes = useMemo(() => {
    if (!model || !built) return [];
    const cache = nodeCache.current;
    const out: Node[] = [];
    const columnTop = new Map<number, number>();
    for (const view of model.nodes) {
      const item = built.assembled.items.get(view.id);
      const column = item?.column ?? 0;
      columnTop.set(column, Math.min(columnTop.get(column) ?? Infinity, view.y));
      let downstream: Side = null;
      let upstream: Side = null;
      if (view.kind !== "cluster") {
        if (expanded.has(`DOWNSTREAM:${view.id}`)) downstream = "collapse";
        else if (column >= 0 && !sides.outgoing.has(view.id)) downstream = "expand";
        if (expanded.has(`UPSTREAM:${view.id}`)) upstream = "collapse";
        else if (column <= 0 && !sides.incoming.has(view.id)) upstream = "expand";
      }
      const isSelected = view.id === selected;
      const onPath = paths?.nodeIds.has(view.id) ?? false;
      const isBusy = busy.has(view.id);
      const signature = [view.x, view.y, view.label, view.sublabel, view.disambiguation, downstream, upstream, isSelected, onPath, isBusy].join("|");
      const cached = cache.get(view.id);
      if (cached && cached.signature === signature) {
        out.push(cached.node);
        continue;
      }
      const data: ItemNodeData = { view, hideable: !view.seed, downstream, upstream, busy: isBusy, path: onPath };
      const node: ItemNode = {
        id: view.id,
        type: "item",
        position: { x: view.x, y: view.y },
        data,
        width: NODE_W,
        height: NODE_H,
        selected: isSelected,
        ariaLabel: ariaLabel(view),
        domAttributes: {
          "data-testid": "lineage-node",
          "data-node-id": view.id,
          "data-kind": view.kind,
          "data-x": String(view.x),
          "data-y": String(view.y),
          "data-path": onPath ? "true" : undefined,
          "aria-selected": isSelected,
        } as ItemNode["domAttributes"],
      };
      cache.set(view.id, { signature, node });
      out.push(node);
    }
    for (const note of built.assembled.notes) {
      if (!byId.has(note.anchor)) continue;
      const action =
        note.kind === "LEVEL_LIMIT" && state.levelLimit < MAX_LEVEL_LIMIT
          ? `Load more (up to ${Math.min(MAX_LEVEL_LIMIT, state.levelLimit * 4).toLocaleString("en")})`
          : note.kind === "TIME_BUDGET" && budget < MAX_BUDGET
            ? "Load more (allow more time)"
            : null;
      const noteNode: NoteNode = {
        id: `note:${note.id}`,
        type: "note",
        position: { x: note.column * COL - 20, y: (columnTop.get(note.column) ?? 0) - 74 },
        data: { text: note.text, action, noteKind: note.kind },
        width: NODE_W + 40,
        height: 62,
        selectable: false,
        draggable: false,
        focusable: false,
        domAttributes: { "data-testid": "truncation-note" } as NoteNode["domAttributes"],
      };
      out.push(noteNode);
    }
    return out;
  }, [model, built, expanded, sides, selected, paths, busy, byId, state.levelLimit, budget]);

  // Edge objects are reused per id too: React Flow then redraws only the edges that changed.
  const edgeCache = useRef(new Map<string, { signature: string; edge: Edge }>());
  const rfEdges = useMemo(() => {
    if (!model) return [];
    const cache = edgeCache.current;
    return model.edges.map((edge): Edge => {
      const source = byId.get(edge.source);
      const target = byId.get(edge.target);
      const onPath = paths?.edgeKeys.has(edgeKey(edge.source, edge.target)) ?? false;
      const signature = `${onPath}|${source?.label}|${target?.label}|${zoomedOut}`;
      const cached = cache.get(edge.id);
      if (cached && cached.signature === signature) return cached.edge;
      const made = makeEdge(edge, source, target, onPath, zoomedOut);
      cache.set(edge.id, { signature, edge: made });
      return made;
    });
  }, [model, byId, paths, zoomedOut]);

  const go = useCallback((change: (params: URLSearchParams) => void, replace = false) => navigate(withParams(change), replace), []);

  const select = useCallback(
    (id: string | null, details: boolean) =>
      go((params) => {
        if (id === null) params.delete("select");
        else params.set("select", id);
        if (details) params.set("details", "1");
        else params.delete("details");
      }, true),
    [go],
  );

  const actions: LineageActions = useMemo(
    () => ({
      hide(id) {
        go((params) => {
          params.append("hide", id);
          if (params.get("select") === id) {
            params.delete("select");
            params.delete("details");
          }
        });
      },
      expand(id, way, side) {
        const value = growthValue({ way, id });
        go((params) => (side === "collapse" ? collapseGrowth(params, value) : expandGrowth(params, value)));
      },
      loadMore(kind) {
        go((params) => {
          if (kind === "LEVEL_LIMIT") params.set("levelLimit", String(Math.min(MAX_LEVEL_LIMIT, state.levelLimit * 4)));
          if (kind === "TIME_BUDGET") params.set("budget", String(Math.min(MAX_BUDGET, budget * 2)));
        });
      },
    }),
    [go, state.levelLimit, budget],
  );

  const onNodeClick: NodeMouseHandler = useCallback(
    (_event, node) => {
      if (node.type !== "item") return;
      const kind = (node.data as ItemNodeData).view.kind;
      if (pathsMode && kind !== "cluster") {
        const ends = pathEnds.length >= 2 ? [node.id] : [...pathEnds, node.id];
        setPathEnds(ends);
        if (ends.length === 2) {
          fetchPaths(ends[0], ends[1]).then(setPaths, (failure: unknown) =>
            setPaths({ nodeIds: new Set(), edgeKeys: new Set(), hasMore: false, direction: null, pathCount: 0, error: String(failure) }),
          );
        } else setPaths(null);
        return;
      }
      select(node.id, kind !== "cluster");
    },
    [pathsMode, pathEnds, select],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      let moved = false;
      for (const change of changes) {
        if (change.type === "position" && change.position) {
          positions.move(change.id, change.position.x, change.position.y);
          moved = true;
        }
      }
      if (moved) setDragTick((tick) => tick + 1);
    },
    [positions],
  );

  const focusNode = useCallback(
    (id: string) => {
      const node = byId.get(id);
      if (!node) return;
      const { x, y, zoom } = flow.getViewport();
      const pane = document.querySelector(".lineage-canvas")?.getBoundingClientRect();
      if (pane) {
        const left = node.x * zoom + x;
        const top = node.y * zoom + y;
        if (left < 0 || top < 0 || left + node.width * zoom > pane.width || top + node.height * zoom > pane.height) {
          void flow.setCenter(node.x + node.width / 2, node.y + node.height / 2, { zoom, duration: 0 });
        }
      }
      window.requestAnimationFrame(() => {
        const element = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
        element?.focus({ preventScroll: true });
      });
    },
    [byId, flow],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target.closest("input, textarea, select, .lineage-side, .details-panel")) return;
    if (!model || !built) return;
    const current = selected ?? built.assembled.seedId;
    if (!current) return;
    let next: string | null | undefined;
    const here = byId.get(current);
    if (!here) return;
    const nearest = (ids: string[]) =>
      ids
        .map((id) => byId.get(id))
        .filter((node): node is ViewNode => node !== undefined)
        .sort((a, b) => Math.abs(a.y - here.y) - Math.abs(b.y - here.y) || a.y - b.y)[0]?.id;
    switch (event.key) {
      case "ArrowRight":
        next = selected ? nearest(model.edges.filter((edge) => edge.source === current).map((edge) => edge.target)) : current;
        break;
      case "ArrowLeft":
        next = selected ? nearest(model.edges.filter((edge) => edge.target === current).map((edge) => edge.source)) : current;
        break;
      case "ArrowUp":
      case "ArrowDown": {
        if (!selected) {
          next = current;
          break;
        }
        const column = built.assembled.items.get(current)?.column;
        const siblings = model.nodes.filter((node) => built.assembled.items.get(node.id)?.column === column).sort((a, b) => a.y - b.y);
        const at = siblings.findIndex((node) => node.id === current);
        next = siblings[at + (event.key === "ArrowUp" ? -1 : 1)]?.id;
        break;
      }
      case "Enter":
        if (selected && here.kind !== "cluster") select(selected, true);
        else if (selected) select(selected, false);
        event.preventDefault();
        return;
      case "Escape":
        if (state.details) select(selected, false);
        else if (here.kind === "cluster" && selected) select(null, false);
        event.preventDefault();
        return;
      case "h":
      case "H":
        if (selected && !here.seed) actions.hide(selected);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) {
      select(next, state.details && byId.get(next)?.kind !== "cluster");
      focusNode(next);
    }
  };

  const extract = useCallback(
    (member: LineageNodeInfo, way: Way) =>
      go((params) => {
        params.append("extract", growthValue({ way, id: member.id }));
        params.set("select", member.id);
        params.set("details", "1");
      }),
    [go],
  );

  const exportName = safeFilename(`lineage-${state.seed}`, "svg");
  const seedLabel = built ? itemLabel(built.assembled.items.get(built.assembled.seedId ?? "") ?? { id: state.seed, kind: "run", column: 0 }) : state.seed;
  const hiddenItems = state.hidden.map((id) => {
    const item = built?.assembled.items.get(id);
    return { id, label: item ? itemLabel(item) : id };
  });
  const error = entries.find((entry) => entry.state === "failed");

  return (
    <div
      className="lineage-page"
      data-testid="lineage-page"
      data-layout-done={done ? "true" : "false"}
      data-layout-count={layoutCount}
      data-visible-items={model?.nodes.length ?? 0}
      data-node-count={model?.nodes.length ?? 0}
      data-edge-count={model?.edges.length ?? 0}
    >
      <Toolbar
        state={state}
        seedLabel={seedLabel}
        walkInfo={built ? { nodeCount: built.walk.nodeCount, truncation: built.walk.truncation, elapsedMs: built.walk.elapsedMs } : null}
        hidden={hiddenItems}
        onShow={(id) => go((params) => removePair(params, "hide", id))}
        onFit={() => void flow.fitView({ padding: panelOpen ? PANEL_PADDING : 0.15, maxZoom: 1.1, duration: 0 })}
        pathsMode={pathsMode}
        pathInfo={paths ? (paths.error ?? (paths.pathCount === 0 ? "No path between them" : `${paths.pathCount} shortest path${paths.pathCount > 1 ? "s" : ""}${paths.hasMore ? " (more exist)" : ""}`)) : pathsMode ? `Choose ${pathEnds.length === 0 ? "the first" : "the second"} node` : null}
        onPaths={() => {
          setPathsMode(!pathsMode);
          setPathEnds([]);
          setPaths(null);
        }}
        onExportSvg={() => model && download(new Blob([exportSvg(model)], { type: "image/svg+xml" }), exportName)}
        onExportPng={() => {
          if (model) void exportPng(model).then((blob) => download(blob, safeFilename(`lineage-${state.seed}`, "png")));
        }}
        go={go}
      />
      {mainEntry.state === "done" && !mainEntry.walk && <p className="lineage-message">Nothing with this id or path: no run or committed version “{state.seed}”.</p>}
      {error?.state === "failed" && (
        <p className="lineage-message error" role="alert">
          {error.error.code}: {error.error.message}{" "}
          <button
            type="button"
            onClick={() => {
              forgetFailures();
              go(() => undefined, true);
            }}
          >
            Retry
          </button>
        </p>
      )}
      <div className="lineage-body">
        <div className={`lineage-canvas${zoomedOut ? " zoomed-out" : ""}`} onKeyDown={onKeyDown} tabIndex={-1} aria-label={`Lineage graph of ${seedLabel}`} role="region">
          <ActionsContext.Provider value={actions}>
            <ReactFlow
              nodes={rfNodes}
              edges={rfEdges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onNodeClick={onNodeClick}
              onPaneClick={() => selected && select(null, false)}
              onlyRenderVisibleElements
              // The selection is the URL's (`select=`), passed in as each node's `selected`;
              // React Flow's own would add a store update, and a run of every node's and edge's
              // selectors, to each click.
              elementsSelectable={false}
              disableKeyboardA11y
              deleteKeyCode={null}
              selectionKeyCode={null}
              multiSelectionKeyCode={null}
              nodesConnectable={false}
              minZoom={0.05}
              maxZoom={2.5}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={24} color="#e5e7eb" />
              <Controls showInteractive={false} />
            </ReactFlow>
          </ActionsContext.Provider>
          {!built && mainEntry.state === "loading" && <div className="lineage-loading">Loading lineage…</div>}
        </div>
        {selectedItem?.cluster && (
          <ClusterPanel
            key={selectedItem.id}
            cluster={selectedItem.cluster}
            label={itemLabel(selectedItem)}
            inGraph={new Set(byId.keys())}
            onExtract={(member) => extract(member, selectedItem.cluster!.way)}
            onResults={(members) => {
              // Fetch ahead what extracting the first results would need, so that a click on
              // Extract finds its walks answered (the click is then layout alone).
              for (const member of members.slice(0, PREFETCHED_RESULTS)) {
                const { walk, back } = extractionWalks(state, budget, member.id, selectedItem.cluster!.way);
                prefetchWalks([walk, back]);
              }
            }}
            onShow={(id) => {
              select(id, true);
              focusNode(id);
            }}
            onClose={() => select(null, false)}
          />
        )}
        {selectedItem && selectedItem.kind !== "cluster" && state.details && (
          <div className="lineage-details-slot">
            <DetailsPanel key={selectedItem.id} nodeId={selectedItem.id} kind={selectedItem.kind} onClose={() => select(selected, false)} />
          </div>
        )}
      </div>
    </div>
  );
}

function makeEdge(edge: ViewEdge, source: ViewNode | undefined, target: ViewNode | undefined, onPath: boolean, zoomedOut: boolean): Edge {
  const color = onPath ? "#f59e0b" : edge.kind === "CONSUMED" ? "#60a5fa" : "#4ade80";
  // Far out an arrowhead is under a pixel: edges are drawn without markers, a thousand fewer
  // elements to draw (the direction is still left to right).
  const markerEnd = zoomedOut && !onPath ? undefined : { type: MarkerType.ArrowClosed, width: 18, height: 18, color };
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    className: `ledge ${edge.kind === "CONSUMED" ? "consumed" : "produced"}${onPath ? " path" : ""}`,
    markerEnd,
    style: { stroke: color, strokeWidth: onPath ? 3 : 1.6 },
    focusable: false,
    selectable: false,
    interactionWidth: 0, // edges take no pointer input: no second, wide path per edge to draw
    ariaLabel:
      edge.kind === "CONSUMED"
        ? `${target?.label ?? "run"} consumed ${source?.label ?? "version"}`
        : `${source?.label ?? "run"} produced ${target?.label ?? "version"}`,
    domAttributes: onPath ? ({ "data-path": "true" } as Edge["domAttributes"]) : undefined,
  };
}

interface ToolbarProps {
  state: ViewState;
  seedLabel: string;
  walkInfo: { nodeCount: number; truncation: readonly string[]; elapsedMs: number } | null;
  hidden: { id: string; label: string }[];
  onShow(id: string): void;
  onFit(): void;
  pathsMode: boolean;
  pathInfo: string | null;
  onPaths(): void;
  onExportSvg(): void;
  onExportPng(): void;
  go(change: (params: URLSearchParams) => void, replace?: boolean): void;
}

function ListInput({ label, value, onApply }: { label: string; value: string[]; onApply(values: string[]): void }) {
  const [text, setText] = useState(value.join(", "));
  useEffect(() => setText(value.join(", ")), [value]);
  const apply = () => {
    const values = text.split(",").map((part) => part.trim()).filter(Boolean);
    if (values.join(",") !== value.join(",")) onApply(values);
  };
  return (
    <label className="tool">
      <span>{label}</span>
      <input
        aria-label={label}
        value={text}
        placeholder="all"
        onChange={(event) => setText(event.target.value)}
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === "Enter") apply();
        }}
      />
    </label>
  );
}

function Toolbar(props: ToolbarProps) {
  const { state, go } = props;
  const [showHidden, setShowHidden] = useState(false);
  const setParam = (key: string, value: string | null) =>
    go((params) => {
      if (value === null || value === "") params.delete(key);
      else params.set(key, value);
    });
  const truncation = props.walkInfo?.truncation ?? [];
  return (
    <div className="lineage-toolbar" role="toolbar" aria-label="Lineage view">
      <h1 className="lineage-title" title={state.seed}>
        Lineage of <span>{props.seedLabel}</span>
      </h1>
      <label className="tool">
        <span>Direction</span>
        <select aria-label="Direction" value={state.direction} onChange={(event) => setParam("direction", event.target.value as Direction)}>
          <option value="UPSTREAM">Upstream</option>
          <option value="DOWNSTREAM">Downstream</option>
          <option value="BOTH">Both</option>
        </select>
      </label>
      <label className="tool">
        <span>Depth</span>
        <input aria-label="Depth" type="number" min={1} max={50} value={state.depth} onChange={(event) => setParam("depth", event.target.value)} className="depth" />
      </label>
      <ListInput label="Artifact types" value={state.artifactTypes} onApply={(values) => setParam("artifactTypes", values.join(","))} />
      <ListInput label="Job types" value={state.jobTypes} onApply={(values) => setParam("jobTypes", values.join(","))} />
      <div className="tool-group">
        <button type="button" onClick={props.onFit}>
          Fit to screen
        </button>
        <div className="hidden-menu">
          <button type="button" aria-expanded={showHidden} onClick={() => setShowHidden(!showHidden)} disabled={props.hidden.length === 0}>
            Hidden ({props.hidden.length})
          </button>
          {showHidden && props.hidden.length > 0 && (
            <ul className="hidden-list" aria-label="Hidden nodes">
              {props.hidden.map((entry) => (
                <li key={entry.id}>
                  <span>{entry.label}</span>
                  <button type="button" onClick={() => props.onShow(entry.id)} aria-label={`Show ${entry.label}`}>
                    Show
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <button type="button" aria-pressed={props.pathsMode} onClick={props.onPaths}>
          Paths
        </button>
        <button type="button" onClick={props.onExportSvg}>
          Export SVG
        </button>
        <button type="button" onClick={props.onExportPng}>
          Export PNG
        </button>
      </div>
      <div className="lineage-status" aria-live="polite">
        {props.pathInfo && <span className="path-info">{props.pathInfo}</span>}
        {props.walkInfo && (
          <span>
            {props.walkInfo.nodeCount.toLocaleString("en")} nodes in {Math.round(props.walkInfo.elapsedMs)} ms
          </span>
        )}
        {truncation.length > 0 && <span className="truncated">truncated: {truncation.map((t) => t.toLowerCase().replace("_", " ")).join(", ")}</span>}
      </div>
    </div>
  );
}
