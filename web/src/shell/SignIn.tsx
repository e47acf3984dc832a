import { useState, type FormEvent } from "react";
import { navigate } from "../router";
import { useSession } from "./SessionContext";

/** Paste an API key once; the server answers with an HttpOnly session cookie. */
export function SignIn({ next }: { next: string }) {
  const { signIn } = useSession();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await signIn(key.trim());
      setKey("");
      navigate(next || "/", true);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <form className="signin" onSubmit={submit} aria-label="Sign in">
      <h1>Sign in to Lineage</h1>
      <p>Paste an API key. The page keeps no copy of it: the server answers with a session cookie.</p>
      <label>
        API key
        <input
          name="apiKey"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          required
        />
      </label>
      <button type="submit">Sign in</button>
      <p className="hint">
        The first start of <code>lineage serve</code> writes the server admin&apos;s key to{" "}
        <code>.lineage/admin_api_key</code>; <code>lineage admin-key --name NAME</code> makes another.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
