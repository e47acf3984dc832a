// Cursor paging kept in the URL: `after` holds the stack of cursors of the pages before this one,
// so reloading or sharing a URL shows the same page and Previous works without history.
import { navigate, usePlace } from "../router";

export const PAGE_SIZE = 25;

export interface Paging {
  after: string | null;
  offset: number;
  next: (endCursor: string | null | undefined) => void;
  previous: (() => void) | undefined;
}

export function usePaging(param = "after", pageSize = PAGE_SIZE): Paging {
  const { path, search } = usePlace();
  const stack = search.getAll(param);
  const go = (cursors: string[]) => {
    const next = new URLSearchParams(search);
    next.delete(param);
    cursors.forEach((cursor) => next.append(param, cursor));
    const query = next.toString();
    navigate(query ? `${path}?${query}` : path);
  };
  return {
    after: stack.length > 0 ? stack[stack.length - 1] : null,
    offset: stack.length * pageSize,
    next: (endCursor) => {
      if (endCursor) go([...stack, endCursor]);
    },
    previous: stack.length > 0 ? () => go(stack.slice(0, -1)) : undefined,
  };
}

/** The current URL with `changes` applied to its query (null removes a key) and paging reset. */
export function withQuery(path: string, search: URLSearchParams, changes: Record<string, string | null>, pagingParam = "after"): string {
  const next = new URLSearchParams(search);
  next.delete(pagingParam);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
  }
  const query = next.toString();
  return query ? `${path}?${query}` : path;
}
