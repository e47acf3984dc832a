// What every browse page shares: a query hook with loading and error states, breadcrumbs, a
// pager, and the formatting of sizes, dates and JSON. Errors are shown as `CODE: message`, as the
// API coded them.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import type { TadaDocumentNode } from "gql.tada";
import { ApiError, request } from "../api/client";
import { Link } from "../router";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError }
  | { state: "done"; data: T };

/** Turn anything thrown into an ApiError so it can be shown with its code. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(error instanceof Error ? error.message : String(error), "ERROR", 0);
}

/** Run `document` with `variables` whenever their JSON changes; `reload()` runs it again and keeps
 * showing the previous answer meanwhile (so a page does not flash after an action). */
export function useQuery<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
): { result: Loaded<Result>; reload: () => void } {
  const key = JSON.stringify(variables);
  const [result, setResult] = useState<Loaded<Result>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    request(document, JSON.parse(key) as Variables, controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ state: "done", data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setResult({ state: "error", error: asApiError(error) });
      },
    );
    return () => controller.abort();
  }, [document, key, generation]);
  useEffect(() => setResult({ state: "loading" }), [document, key]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { result, reload };
}

export function ErrorMessage({ error }: { error: ApiError }) {
  return (
    <p className="error" role="alert" data-testid="error">
      {error.code}: {error.message}
    </p>
  );
}

/** Loading, error or the page itself. */
export function Show<T>({ result, children }: { result: Loaded<T>; children: (data: T) => ReactNode }) {
  if (result.state === "loading") return <p className="loading" aria-busy="true">Loading…</p>;
  if (result.state === "error") {
    return (
      <>
        <ErrorMessage error={result.error} />
        {(result.error.code === "NOT_FOUND" || result.error.code === "FORBIDDEN") && (
          <p>
            <Link to="/">Back to the organisations</Link>
          </p>
        )}
      </>
    );
  }
  return <>{children(result.data)}</>;
}

export function NotFound({ what }: { what: string }) {
  return (
    <div className="empty" data-testid="not-found">
      <p>{what} was not found, or you may not read it.</p>
      <p>
        <Link to="/">Back to the organisations</Link>
      </p>
    </div>
  );
}

export interface Crumb {
  label: string;
  to?: string;
}

export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {items.map((item, i) => (
          <li key={i}>
            {item.to && i < items.length - 1 ? <Link to={item.to}>{item.label}</Link> : <span aria-current={i === items.length - 1 ? "page" : undefined}>{item.label}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** Paths of the browse pages; every user-chosen segment is encoded. */
export const paths = {
  org: (org: string) => `/orgs/${encodeURIComponent(org)}`,
  project: (org: string, project: string) => `${paths.org(org)}/projects/${encodeURIComponent(project)}`,
  artifact: (org: string, project: string, name: string) => `${paths.project(org, project)}/artifacts/${encodeURIComponent(name)}`,
  version: (org: string, project: string, name: string, version: string) =>
    `${paths.artifact(org, project, name)}/${encodeURIComponent(version)}`,
  runs: (org: string, project: string) => `${paths.project(org, project)}/runs`,
  run: (org: string, project: string, runId: string) => `${paths.runs(org, project)}/${encodeURIComponent(runId)}`,
  registries: (org: string) => `${paths.org(org)}/registries`,
  /** The lineage page of a version path or node id; both stay readable (`/`, `:`, `+` and `=`
   * are literal in a path, and the page decodes the rest). */
  lineage: (pathOrId: string) => `/lineage/${encodeURI(pathOrId)}`,
};

/** The browse page of a version given its path `org/project/name:vN`. */
export function versionPage(path: string): string {
  const [org, project, rest] = path.split("/", 3);
  const colon = rest.lastIndexOf(":");
  return paths.version(org, project, rest.slice(0, colon), rest.slice(colon + 1));
}

/** The run page of a run in `org/project`. */
export function runPage(projectPath: string, runId: string): string {
  const [org, project] = projectPath.split("/", 2);
  return paths.run(org, project, runId);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function formatBytes(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  let size = Number(value);
  if (!Number.isFinite(size)) return String(value);
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(size >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatSeconds(seconds: number): string {
  if (seconds === 0) return "never expires";
  const days = seconds / 86400;
  if (Number.isInteger(days)) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = seconds / 3600;
  if (Number.isInteger(hours)) return `${hours} h`;
  return `${seconds} s`;
}

/** JSON shown as indented text (never as markup). */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  const empty = value === null || value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0);
  if (empty) return <p className="muted">No {label}.</p>;
  return (
    <pre className="json" aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** Cursor pager: a stack of the cursors of earlier pages, kept in the URL by the caller. */
export function Pager({
  total,
  shown,
  offset,
  hasNext,
  onPrevious,
  onNext,
  noun,
}: {
  total: number;
  shown: number;
  offset: number;
  hasNext: boolean;
  onPrevious?: () => void;
  onNext: () => void;
  noun: string;
}) {
  return (
    <div className="pager" data-testid="pager">
      <span>
        {shown === 0 ? `0 of ${total} ${noun}` : `${offset + 1}–${offset + shown} of ${total} ${noun}`}
      </span>
      <button type="button" onClick={onPrevious} disabled={!onPrevious}>
        Previous
      </button>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next
      </button>
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state.toLowerCase()}`}>{state}</span>;
}
