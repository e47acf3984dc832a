import { Link, navigate } from "../router";
import { useSession } from "./SessionContext";

export function Header() {
  const { session, signOut } = useSession();
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Lineage
      </Link>
      <nav aria-label="Main">
        <Link to="/">Organisations</Link>
        <a href="/graphql">GraphiQL</a>
      </nav>
      <div className="who">
        {session?.signedIn ? (
          <>
            <span className="user" data-testid="signed-in-user">
              {session.user?.name}
            </span>
            <button type="button" onClick={() => signOut().then(() => navigate("/signin"))}>
              Sign out
            </button>
          </>
        ) : (
          <Link to="/signin">Sign in</Link>
        )}
      </div>
    </header>
  );
}
