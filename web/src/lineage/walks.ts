// Fetching walks: one request per distinct set of variables, kept for the page's lifetime so that
// collapsing and expanding again (or going back in history) shows the same answer at once.
import { useEffect, useState } from "react";
import { ApiError, request } from "../api/client";
import { LineageWalk, type WalkResult } from "./queries";
import type { Direction } from "./viewState";

export interface WalkVars {
  seed: string;
  direction: Direction;
  depth: number;
  artifactTypes: string[];
  jobTypes: string[];
  levelLimit: number;
  items: number;
  cluster: number;
  timeBudgetMs: number;
}

type Entry = { state: "loading" } | { state: "done"; walk: WalkResult | null } | { state: "failed"; error: ApiError };

const cache = new Map<string, Entry>();
const waiting = new Set<() => void>();

export function walkVarsKey(vars: WalkVars): string {
  return JSON.stringify(vars);
}

function load(vars: WalkVars): void {
  const key = walkVarsKey(vars);
  if (cache.has(key)) return;
  cache.set(key, { state: "loading" });
  request(LineageWalk, {
    seed: vars.seed,
    direction: vars.direction,
    depth: vars.depth,
    filter: {
      artifactTypes: vars.artifactTypes.length ? vars.artifactTypes : null,
      jobTypes: vars.jobTypes.length ? vars.jobTypes : null,
    },
    levelLimit: vars.levelLimit,
    maxItemsPerLevel: vars.items,
    clusterThreshold: vars.cluster,
    timeBudgetMs: vars.timeBudgetMs,
  })
    .then((data) => cache.set(key, { state: "done", walk: data.lineage ?? null }))
    .catch((error: unknown) => {
      const failure = error instanceof ApiError ? error : new ApiError(String(error), "NETWORK_ERROR", 0);
      cache.set(key, { state: "failed", error: failure });
    })
    .finally(() => waiting.forEach((wake) => wake()));
}

/** The entries of `wanted` (loading, done or failed), fetching what is missing. */
export function useWalks(wanted: WalkVars[]): Entry[] {
  const [, setTick] = useState(0);
  useEffect(() => {
    const wake = () => setTick((tick) => tick + 1);
    waiting.add(wake);
    return () => {
      waiting.delete(wake);
    };
  }, []);
  const keys = wanted.map(walkVarsKey);
  // After every render: a Map lookup per walk, and a fetch for what is missing (also after a retry).
  useEffect(() => {
    wanted.forEach(load);
  });
  return keys.map((key) => cache.get(key) ?? { state: "loading" });
}

/** Forget failed answers so that a retry fetches them again. */
export function forgetFailures(): void {
  for (const [key, entry] of cache) if (entry.state === "failed") cache.delete(key);
}

export type { Entry as WalkEntry };

/** Start fetching walks a likely next step will want (answers are kept like any other). */
export function prefetchWalks(wanted: WalkVars[]): void {
  wanted.forEach(load);
}
