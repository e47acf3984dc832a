// The lineage page's whole view state, read from and written to the URL so that reloading or
// sharing a link shows the same picture. Expansions and extractions keep the order in which they
// were made (the order of their parameters in the query string): the layout replays them in it.

export type Direction = "UPSTREAM" | "DOWNSTREAM" | "BOTH";
export type Way = "UPSTREAM" | "DOWNSTREAM";

/** An expansion from a node, or a cluster member extracted into the graph. A collapsed
 * expansion stays in the URL in its place (`expand=~WAY:id`): its level is still placed, then
 * left out of the view, so that the growths after it land where they landed before the collapse,
 * on this page and after a reload, and expanding it again brings back the same layout. */
export interface Growth {
  op: "expand" | "extract";
  way: Way;
  id: string;
  collapsed?: boolean;
}

/** The mark of a collapsed expansion's value in the URL. */
export const COLLAPSED = "~";

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
    const collapsed = key === "expand" && value.startsWith(COLLAPSED);
    const given = collapsed ? value.slice(COLLAPSED.length) : value;
    const colon = given.indexOf(":");
    const way = given.slice(0, colon);
    if (colon < 0 || (way !== "UPSTREAM" && way !== "DOWNSTREAM")) continue;
    growths.push({ op: key, way, id: given.slice(colon + 1), collapsed });
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

/** Replace the first `key=from` pair by `key=to` where it stands; false when there is none. */
export function replacePair(params: URLSearchParams, key: string, from: string, to: string): boolean {
  const entries = [...params.entries()];
  const at = entries.findIndex(([k, v]) => k === key && v === from);
  if (at < 0) return false;
  entries[at] = [key, to];
  setEntries(params, entries);
  return true;
}

/** Collapse an expansion: it keeps its place, marked collapsed (see `Growth`). */
export function collapseGrowth(params: URLSearchParams, value: string): void {
  replacePair(params, "expand", value, COLLAPSED + value);
}

/** Expand: a collapsed expansion comes back where it stood, a new one goes last. */
export function expandGrowth(params: URLSearchParams, value: string): void {
  if (!replacePair(params, "expand", COLLAPSED + value, value)) params.append("expand", value);
}

/** Remove one `key=value` pair, keeping the others in order. */
export function removePair(params: URLSearchParams, key: string, value: string): void {
  setEntries(
    params,
    [...params.entries()].filter(([k, v]) => !(k === key && v === value)),
  );
}

/** Make `params` hold exactly `entries`, in their order. */
function setEntries(params: URLSearchParams, entries: [string, string][]): void {
  for (const k of [...new Set([...params.keys()])]) params.delete(k);
  for (const [k, v] of entries) params.append(k, v);
}

/** The query that selects the main walk (everything but what is added or hidden on top of it). */
export function walkKey(state: ViewState): string {
  return JSON.stringify([state.seed, state.direction, state.depth, state.artifactTypes, state.jobTypes, state.levelLimit, state.items, state.cluster]);
}
