// Where items sit, in graph coordinates. Positions are remembered by item id for as long as the
// main walk stays the same (seed, direction, depth, filters): an item that leaves the view (hidden,
// collapsed) keeps its place and comes back to it, and items already placed never move when others
// arrive. The main walk is laid out once with dagre (layered, left to right); later items go to
// the nearest free slot of their column next to their neighbours, so nothing on screen is pushed.
import { Graph, layout } from "@dagrejs/dagre";

export const NODE_W = 220;
export const NODE_H = 62;
/** Column pitch: x = column * COL. */
export const COL = 290;
/** Row pitch of free slots (node height plus a gap). */
export const ROW = 86;
const DAGRE_MAX = 700;

export interface Placed {
  x: number;
  y: number;
  column: number;
}

export interface PlaceRequest {
  id: string;
  column: number;
  /** Placed ids it is drawn next to (edges), in order of preference. */
  neighbours: string[];
  /** A y to start looking from instead of the neighbours' (e.g. the cluster a member came out of). */
  near?: string;
}

/** The remembered positions of one main walk. */
export class Positions {
  readonly map = new Map<string, Placed>();
  private columns = new Map<number, number[]>();

  get(id: string): Placed | undefined {
    return this.map.get(id);
  }

  /** Move an item (a drag); its column stays. */
  move(id: string, x: number, y: number): void {
    const old = this.map.get(id);
    if (!old) return;
    this.unindex(old);
    const moved = { x, y, column: old.column };
    this.map.set(id, moved);
    this.index(moved);
  }

  private set(id: string, placed: Placed): void {
    this.map.set(id, placed);
    this.index(placed);
  }

  private index(placed: Placed): void {
    let ys = this.columns.get(placed.column);
    if (!ys) this.columns.set(placed.column, (ys = []));
    ys.splice(lowerBound(ys, placed.y), 0, placed.y);
  }

  private unindex(placed: Placed): void {
    const ys = this.columns.get(placed.column);
    if (!ys) return;
    const at = lowerBound(ys, placed.y);
    if (ys[at] === placed.y) ys.splice(at, 1);
  }

  private free(column: number, y: number): boolean {
    const ys = this.columns.get(column);
    if (!ys || ys.length === 0) return true;
    const at = lowerBound(ys, y - ROW + 1);
    return at >= ys.length || ys[at] > y + ROW - 1;
  }

  /** The nearest free slot to `y` in `column`, searching outwards (below first). */
  private slot(column: number, y: number): number {
    for (let step = 0; step < 100000; step++) {
      const below = y + step * ROW;
      if (this.free(column, below)) return below;
      const above = y - step * ROW;
      if (this.free(column, above)) return above;
    }
    return y;
  }

  /** Lay out a first picture with dagre (layered, left to right); `columns` fixes each x. */
  layoutFirst(items: PlaceRequest[], edges: { source: string; target: string }[]): void {
    const fresh = items.filter((item) => !this.map.has(item.id));
    if (fresh.length === 0) return;
    if (this.map.size > 0 || fresh.length > DAGRE_MAX) {
      this.placeNew(fresh);
      return;
    }
    const graph = new Graph();
    graph.setGraph({ rankdir: "LR", nodesep: ROW - NODE_H, ranksep: COL - NODE_W, marginx: 0, marginy: 0 });
    graph.setDefaultEdgeLabel(() => ({}));
    for (const item of fresh) graph.setNode(item.id, { width: NODE_W, height: NODE_H });
    for (const edge of edges) if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
    layout(graph);
    const first = graph.node(fresh[0].id);
    const originY = first ? first.y : 0;
    for (const item of fresh) {
      const laid = graph.node(item.id);
      const y = Math.round((laid ? laid.y : 0) - originY);
      this.set(item.id, { x: item.column * COL, y: this.free(item.column, y) ? y : this.slot(item.column, y), column: item.column });
    }
  }

  /** Place items that have no position yet; those already placed do not move. Items are placed
   * next to their placed neighbours, nearest first, in the order given among equals. */
  placeNew(items: PlaceRequest[]): void {
    let pending = items.filter((item) => !this.map.has(item.id));
    while (pending.length > 0) {
      const later: PlaceRequest[] = [];
      let placedAny = false;
      for (const item of pending) {
        const anchor = item.near !== undefined ? this.map.get(item.near) : undefined;
        const ys = item.neighbours.map((id) => this.map.get(id)?.y).filter((y): y is number => y !== undefined);
        if (!anchor && ys.length === 0) {
          later.push(item);
          continue;
        }
        const target = anchor ? anchor.y : Math.round(ys.reduce((a, b) => a + b, 0) / ys.length);
        this.set(item.id, { x: item.column * COL, y: this.slot(item.column, target), column: item.column });
        placedAny = true;
      }
      if (!placedAny) {
        const [first, ...rest] = later;
        this.set(first.id, { x: first.column * COL, y: this.slot(first.column, 0), column: first.column });
        pending = rest;
      } else pending = later;
    }
  }
}

function lowerBound(values: number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
