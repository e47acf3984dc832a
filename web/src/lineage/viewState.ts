// The lineage page's whole view state, read from and written to the URL so that reloading or
// sharing a link shows the same picture. Expansions and extractions keep the order in which they
// were made (the order of their parameters in the query string): the layout replays them in it.

export type Direction = "UPSTREAM" | "DOWNSTREAM" | "BOTH";
export type Way = "UPSTREAM" | "DOWNSTREAM";

/** An expansion from a node, or a cluster member extracted into the graph. */
export interface Growth {
  op: "expand" | "extract";
  way: Way;
  id: string;
}

export interface ViewState {
  seed: string;
  direction: Direction;
  depth: number;
  artifactTypes: string[];
  jobTypes: string[];
  levelLimit: number;
  items: number;
  /** Cluster threshold: nodes of a level sharing a job type or artifact are grouped from this many. */
  cluster: number;
  hidden: string[];
  growths: Growth[];
  select: string | null;
  details: boolean;
}

export const DEFAULT_DEPTH = 2;
export const DEFAULT_LEVEL_LIMIT = 500;
export const MAX_LEVEL_LIMIT = 10000;
export const DEFAULT_ITEMS = 20;
export const DEFAULT_CLUSTER = 5;

function int(value: string | null, fallback: number, min: number, max: number): number {
  const parsed = value === null ? NaN : Number.parseInt(value, 10);
  if (!Number.isFinite(parsed)) return fallback;
  return Math.min(max, Math.max(min, parsed));
}

function list(value: string | null): string[] {
  return (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function direction(value: string | null): Direction {
  return value === "UPSTREAM" || value === "DOWNSTREAM" ? value : "BOTH";
}

export function readViewState(path: string, search: URLSearchParams): ViewState {
  const seed = decodeURIComponent(path.slice("/lineage/".length));
  const growths: Growth[] = [];
  for (const [key, value] of search.entries()) {
    if (key !== "expand" && key !== "extract") continue;
    const colon = value.indexOf(":");
    const way = value.slice(0, colon);
    if (colon < 0 || (way !== "UPSTREAM" && way !== "DOWNSTREAM")) continue;
    growths.push({ op: key, way, id: value.slice(colon + 1) });
  }
  return {
    seed,
    direction: direction(search.get("direction")),
    depth: int(search.get("depth"), DEFAULT_DEPTH, 0, 50),
    artifactTypes: list(search.get("artifactTypes")),
    jobTypes: list(search.get("jobTypes")),
    levelLimit: int(search.get("levelLimit"), DEFAULT_LEVEL_LIMIT, 1, MAX_LEVEL_LIMIT),
    items: int(search.get("items"), DEFAULT_ITEMS, 2, 500),
    cluster: int(search.get("cluster"), DEFAULT_CLUSTER, 2, 1000000),
    hidden: search.getAll("hide"),
    growths,
    select: search.get("select"),
    details: search.get("details") === "1",
  };
}

/** The URL of the same path with `change` applied to a copy of its query (order kept). */
export function withParams(change: (params: URLSearchParams) => void): string {
  const params = new URLSearchParams(window.location.search);
  change(params);
  const query = params.toString();
  return window.location.pathname + (query ? `?${query}` : "");
}

export function growthValue(growth: Pick<Growth, "way" | "id">): string {
  return `${growth.way}:${growth.id}`;
}

/** Remove one `key=value` pair, keeping the others in order. */
export function removePair(params: URLSearchParams, key: string, value: string): void {
  const kept = [...params.entries()].filter(([k, v]) => !(k === key && v === value));
  for (const k of [...new Set([...params.keys()])]) params.delete(k);
  for (const [k, v] of kept) params.append(k, v);
}

/** The query that selects the main walk (everything but what is added or hidden on top of it). */
export function walkKey(state: ViewState): string {
  return JSON.stringify([state.seed, state.direction, state.depth, state.artifactTypes, state.jobTypes, state.levelLimit, state.items, state.cluster]);
}
