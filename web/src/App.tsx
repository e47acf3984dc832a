import { BrowseRoutes } from "./browse/BrowseRoutes";
import { LineagePage } from "./lineage/LineagePage";
import { usePlace } from "./router";
import { Header } from "./shell/Header";
import { useSession } from "./shell/SessionContext";
import { SignIn } from "./shell/SignIn";

export function App() {
  const { path, search } = usePlace();
  const { session } = useSession();
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
