// A tiny history-API router: the whole view state lives in the URL (path + query), so a page can
// be reloaded or pasted in a chat and show the same thing.
import { createContext, useContext, useEffect, useState, type MouseEvent, type ReactNode } from "react";

interface Place {
  path: string;
  search: URLSearchParams;
}

function here(): Place {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

const PlaceContext = createContext<Place>(here());
const listeners = new Set<() => void>();

/** Go to `url` (path and query); `replace` rewrites the current history entry instead. */
export function navigate(url: string, replace = false): void {
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  listeners.forEach((listener) => listener());
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [place, setPlace] = useState<Place>(here());
  useEffect(() => {
    const update = () => setPlace(here());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return <PlaceContext.Provider value={place}>{children}</PlaceContext.Provider>;
}

export function usePlace(): Place {
  return useContext(PlaceContext);
}

export function Link({ to, children, className, title }: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className} title={title}>
      {children}
    </a>
  );
}
