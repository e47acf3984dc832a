import { useEffect } from "react";
import { BrowseRoutes } from "./browse/BrowseRoutes";
import { LineagePage } from "./lineage/LineagePage";
import { usePlace } from "./router";
import { Header } from "./shell/Header";
import { useSession } from "./shell/SessionContext";
import { SignIn } from "./shell/SignIn";

export function App() {
  const { path, search } = usePlace();
  const { session } = useSession();
  useEffect(() => {
    document.title = titleOf(path);
  }, [path]);
  if (session === null) return <div className="loading">Loading…</div>;
  const mustSignIn = !session.signedIn && !session.anonymousRead;
  let page;
  if (path === "/signin" || mustSignIn) page = <SignIn next={path === "/signin" ? (search.get("next") ?? "/") : path + window.location.search} />;
  else if (path.startsWith("/lineage/")) page = <LineagePage />;
  else page = <BrowseRoutes />;
  return (
    <div className="app">
      <Header />
      <main>{page}</main>
    </div>
  );
}

/** The tab's title: what the page shows, most specific first, so that tabs tell apart. */
export function titleOf(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  if (decoded.startsWith("/lineage/")) return `Lineage of ${decoded.slice("/lineage/".length)} · Lineage`;
  const parts = decoded.split("/").filter(Boolean);
  const shown = parts.filter((part) => !["orgs", "projects", "artifacts", "registries", "runs"].includes(part));
  if (path === "/signin") return "Sign in · Lineage";
  const last = parts[parts.length - 1];
  if ((last === "runs" || last === "registries") && shown.length > 0)
    return `${last === "runs" ? "Runs" : "Registries"} · ${shown[shown.length - 1]} · Lineage`;
  if (shown.length === 0) return parts.length ? `${parts[parts.length - 1]} · Lineage` : "Lineage";
  return `${shown.slice(-2).reverse().join(" · ")} · Lineage`;
}
