// Turns walks (the main one, then each expansion and extraction in the order they were made)
// into one set of items and edges, places what is new, and prunes what is hidden: the ViewModel.
import type { Positions, PlaceRequest } from "./layout";
import { NODE_H, NODE_W } from "./layout";
import type { LineageNodeInfo, WalkCluster, WalkResult } from "./queries";
import type { Growth, Way } from "./viewState";
import type { ViewEdge, ViewModel, ViewNode } from "./viewTypes";

export interface ClusterInfo extends WalkCluster {
  /** The walk token of the answer it came from (for `lineageCluster`). */
  walk: string;
  way: Way;
}

export interface Item {
  id: string;
  kind: "run" | "version" | "cluster";
  column: number;
  node?: LineageNodeInfo;
  cluster?: ClusterInfo;
}

/** A level the walk could not show whole, where it happens. */
export interface Note {
  id: string;
  column: number;
  /** The item the note is drawn next to (first item of the level). */
  anchor: string;
  text: string;
  kind: "LEVEL_LIMIT" | "TIME_BUDGET" | "NODE_LIMIT";
}

export interface LoadedGrowth {
  growth: Growth;
  walk: WalkResult | null;
  /** Extraction: the walk one level back towards the seed, for the member's own incoming edges. */
  back?: WalkResult | null;
}

export interface Assembled {
  items: Map<string, Item>;
  edges: Map<string, ViewEdge>;
  notes: Note[];
  seedId: string | null;
  /** Which growths applied (their anchor was in the view). */
  applied: Set<string>;
  /** Extracted members and the cluster they came out of: linked for reachability, not drawn. */
  links: [string, string][];
}

export function growthKey(growth: Growth): string {
  return `${growth.op}:${growth.way}:${growth.id}`;
}

function nodeKind(node: LineageNodeInfo): "run" | "version" {
  return node.kind === "RUN" ? "run" : "version";
}

function edgeOf(source: string, target: string, kind: "CONSUMED" | "PRODUCED"): ViewEdge {
  return { id: `${source}>${target}`, source, target, kind };
}

/** Add a walk's items at `base + distance`; returns the ids it added and the place requests. */
function addWalk(
  out: Assembled,
  walk: WalkResult,
  base: number,
  depth: number,
  requests: PlaceRequest[],
  notesFor: boolean,
  prefix: string,
): void {
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    let list = neighbours.get(a);
    if (!list) neighbours.set(a, (list = []));
    list.push(b);
  };
  // Cluster ids are unique within one answer only: those of later walks get the walk's prefix.
  const clusterIds = new Set(walk.levels.flatMap((level) => level.clusters.map((cluster) => cluster.id)));
  const id = (raw: string) => (prefix && clusterIds.has(raw) ? `${prefix}/${raw}` : raw);
  const added: Item[] = [];
  const add = (item: Item) => {
    if (out.items.has(item.id)) return;
    out.items.set(item.id, item);
    added.push(item);
  };
  add({ id: walk.seed.id, kind: nodeKind(walk.seed), column: base, node: walk.seed });
  for (const level of walk.levels) {
    const column = base + level.distance;
    const way: Way = level.distance < 0 ? "UPSTREAM" : "DOWNSTREAM";
    for (const cluster of level.clusters) add({ id: id(cluster.id), kind: "cluster", column, cluster: { ...cluster, walk: walk.walk, way } });
    for (const node of level.nodes) add({ id: node.id, kind: nodeKind(node), column, node });
    for (const edge of level.edges) {
      const view = edgeOf(id(edge.source), id(edge.target), edge.kind);
      if (!out.edges.has(view.id)) out.edges.set(view.id, view);
      link(view.source, view.target);
      link(view.target, view.source);
    }
    const first = level.clusters[0] ? id(level.clusters[0].id) : level.nodes[0]?.id;
    if (notesFor && first && level.expanded < level.nodeCount && Math.abs(level.distance) < depth) {
      out.notes.push({
        id: `${first}:cap`,
        column,
        anchor: first,
        kind: "LEVEL_LIMIT",
        text: `Level capped at ${level.expanded.toLocaleString("en")} of ${level.nodeCount.toLocaleString("en")}: the next level was built from them`,
      });
    }
  }
  if (notesFor && walk.truncation.includes("TIME_BUDGET")) {
    const last = walk.levels[walk.levels.length - 1];
    const anchor = last ? (last.clusters[0] ? id(last.clusters[0].id) : (last.nodes[0]?.id ?? walk.seed.id)) : walk.seed.id;
    const column = last ? base + last.distance : base;
    out.notes.push({ id: `${anchor}:time`, column, anchor, kind: "TIME_BUDGET", text: "Time budget reached: levels beyond this one were not walked" });
  }
  if (notesFor && walk.truncation.includes("NODE_LIMIT")) {
    out.notes.push({ id: `${walk.seed.id}:nodes`, column: base, anchor: walk.seed.id, kind: "NODE_LIMIT", text: `Node limit reached at ${walk.nodeCount.toLocaleString("en")} nodes` });
  }
  for (const item of added) requests.push({ id: item.id, column: item.column, neighbours: neighbours.get(item.id) ?? [] });
}

/** The cluster a member was extracted from: same kind and group, on the member's side. */
function clusterOf(out: Assembled, member: LineageNodeInfo, way: Way, near: Set<string>): Item | undefined {
  let fallback: Item | undefined;
  for (const item of out.items.values()) {
    const cluster = item.cluster;
    if (!cluster || cluster.way !== way || cluster.kind !== member.kind) continue;
    const same =
      member.kind === "RUN"
        ? cluster.grouping === "JOB_TYPE" && cluster.key === member.type
        : cluster.grouping === "ARTIFACT" && cluster.label === ("artifactName" in member ? member.artifactName : "") && cluster.type === member.type;
    if (!same && cluster.grouping !== "OTHER") continue;
    if (near.has(item.id) && same) return item;
    if (!fallback || (same && fallback.cluster?.grouping === "OTHER")) fallback = item;
  }
  return fallback;
}

/** The main walk, then the growths in order, with new items placed as they come. */
export function assemble(main: WalkResult, depth: number, growths: LoadedGrowth[], positions: Positions): Assembled {
  const out: Assembled = { items: new Map(), edges: new Map(), notes: [], seedId: main.seed.id, applied: new Set(), links: [] };
  const requests: PlaceRequest[] = [];
  addWalk(out, main, 0, depth, requests, true, "");
  positions.layoutFirst(
    requests,
    [...out.edges.values()].map((edge) => ({ source: edge.source, target: edge.target })),
  );
  for (const loaded of growths) {
    const { growth, walk } = loaded;
    if (!walk) continue;
    const placing: PlaceRequest[] = [];
    if (growth.op === "expand") {
      const anchor = out.items.get(growth.id);
      if (!anchor) continue;
      if (growth.collapsed) {
        // Placed as when it was open (so what came after lands the same), then left out.
        const items = new Set(out.items.keys());
        const edges = new Set(out.edges.keys());
        addWalk(out, walk, anchor.column, 1, placing, false, growthKey(growth));
        positions.placeNew(placing);
        for (const id of [...out.items.keys()]) if (!items.has(id)) out.items.delete(id);
        for (const id of [...out.edges.keys()]) if (!edges.has(id)) out.edges.delete(id);
        continue;
      }
      addWalk(out, walk, anchor.column, 1, placing, true, growthKey(growth));
    } else {
      // The member's own incoming edges: back one level, to items already in the view.
      const backIds = new Set<string>();
      let backEdges: ViewEdge[] = [];
      for (const level of loaded.back?.levels ?? []) {
        const clusters = new Set(level.clusters.map((cluster) => cluster.id));
        for (const edge of level.edges) {
          const other = edge.source === walk.seed.id ? edge.target : edge.source;
          if (!clusters.has(other) && out.items.has(other)) {
            backIds.add(other);
            backEdges.push(edgeOf(edge.source, edge.target, edge.kind));
          }
        }
      }
      const cluster = clusterOf(out, walk.seed, growth.way, backIds);
      const step = growth.way === "DOWNSTREAM" ? 1 : -1;
      const backItem = [...backIds].map((id) => out.items.get(id)).find(Boolean);
      const column = cluster?.column ?? (backItem ? backItem.column + step : undefined);
      if (column === undefined) continue;
      if (out.items.has(walk.seed.id) && !cluster) backEdges = [];
      addWalk(out, walk, column, depth, placing, true, growthKey(growth));
      for (const edge of backEdges) if (!out.edges.has(edge.id)) out.edges.set(edge.id, edge);
      const first = placing.find((request) => request.id === walk.seed.id);
      if (first) {
        first.near = cluster?.id;
        first.neighbours = [...backIds, ...first.neighbours];
      }
      if (cluster) out.links.push([walk.seed.id, cluster.id]);
    }
    out.applied.add(growthKey(growth));
    positions.placeNew(placing);
  }
  return out;
}

function noun(kind: string, count: number): string {
  if (kind === "RUN") return count === 1 ? "run" : "runs";
  return count === 1 ? "version" : "versions";
}

export function itemLabel(item: Item): string {
  if (item.cluster) {
    const c = item.cluster;
    const count = c.count.toLocaleString("en");
    return c.grouping === "OTHER" ? `${count} other ${noun(c.kind, c.count)}` : `${count} ${noun(c.kind, c.count)} · ${c.label}`;
  }
  return item.node?.name ?? item.id;
}

export function itemSublabel(item: Item): string {
  if (item.cluster) return item.cluster.type ?? "other";
  return item.node?.type ?? "";
}

/** Accessible name: kind and name (and what tells it apart). */
export function ariaLabel(node: ViewNode): string {
  const extra = node.disambiguation ? ` (${node.disambiguation})` : "";
  if (node.kind === "run") return `Run ${node.label}, job type ${node.sublabel}${extra}`;
  if (node.kind === "version") return `Artifact version ${node.label}, type ${node.sublabel}${extra}`;
  return `Cluster of ${node.label.replace(" · ", ", ")}`;
}

/** What is drawn: without hidden items and what is reachable only through them. */
export function visibleModel(assembled: Assembled, hidden: Set<string>, positions: Positions): ViewModel {
  const adjacency = new Map<string, string[]>();
  for (const edge of assembled.edges.values()) {
    if (hidden.has(edge.source) || hidden.has(edge.target)) continue;
    if (!assembled.items.has(edge.source) || !assembled.items.has(edge.target)) continue;
    (adjacency.get(edge.source) ?? adjacency.set(edge.source, []).get(edge.source)!).push(edge.target);
    (adjacency.get(edge.target) ?? adjacency.set(edge.target, []).get(edge.target)!).push(edge.source);
  }
  for (const [a, b] of assembled.links) {
    if (hidden.has(a) || hidden.has(b)) continue;
    (adjacency.get(a) ?? adjacency.set(a, []).get(a)!).push(b);
    (adjacency.get(b) ?? adjacency.set(b, []).get(b)!).push(a);
  }
  const reached = new Set<string>();
  const queue: string[] = [];
  const start = (id: string | null) => {
    if (id && !hidden.has(id) && assembled.items.has(id) && !reached.has(id)) {
      reached.add(id);
      queue.push(id);
    }
  };
  start(assembled.seedId);
  for (let i = 0; i < queue.length; i++) for (const other of adjacency.get(queue[i]) ?? []) start(other);
  const nodes: ViewNode[] = [];
  const byLabel = new Map<string, ViewNode[]>();
  for (const item of assembled.items.values()) {
    if (!reached.has(item.id)) continue;
    const placed = positions.get(item.id);
    const node: ViewNode = {
      id: item.id,
      kind: item.kind,
      label: itemLabel(item),
      sublabel: itemSublabel(item),
      disambiguation: "",
      x: placed?.x ?? 0,
      y: placed?.y ?? 0,
      width: NODE_W,
      height: NODE_H,
      seed: item.id === assembled.seedId,
    };
    nodes.push(node);
    if (item.kind !== "cluster") {
      const same = byLabel.get(node.label);
      if (same) same.push(node);
      else byLabel.set(node.label, [node]);
    }
  }
  for (const same of byLabel.values()) {
    if (same.length < 2) continue;
    const projects = new Set(same.map((node) => assembled.items.get(node.id)?.node?.projectPath ?? ""));
    const types = new Set(same.map((node) => node.sublabel));
    for (const node of same) {
      const info = assembled.items.get(node.id)?.node;
      node.disambiguation = projects.size > 1 ? (info?.projectPath ?? "") : types.size > 1 ? node.sublabel : "";
    }
  }
  const edges = [...assembled.edges.values()].filter((edge) => reached.has(edge.source) && reached.has(edge.target));
  return { nodes, edges };
}
