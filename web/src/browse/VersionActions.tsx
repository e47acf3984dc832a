// The changes a person makes by hand on a version page, each through its GraphQL mutation. A
// refusal is shown as the API coded it (`CODE: message`); a success reloads the page's data.
import { useState, type FormEvent } from "react";
import { ApiError, request } from "../api/client";
import { graphql } from "../graphql";
import { asApiError, ErrorMessage, formatDate, formatSeconds } from "./common";

const SET_ALIAS = graphql(`
  mutation SetArtifactAlias($versionId: ID!, $alias: String!) {
    setArtifactAlias(input: { versionId: $versionId, alias: $alias }) {
      version {
        id
        aliases
      }
      event {
        action
        fromIndex
        toIndex
      }
      errors {
        code
        message
      }
    }
  }
`);

const REMOVE_ALIAS = graphql(`
  mutation RemoveArtifactAlias($artifact: String!, $alias: String!) {
    removeArtifactAlias(input: { artifact: $artifact, alias: $alias }) {
      errors {
        code
        message
      }
    }
  }
`);

const SET_TTL = graphql(`
  mutation SetArtifactVersionTtl($versionId: ID!, $ttlSeconds: Int) {
    setArtifactVersionTtl(input: { versionId: $versionId, ttlSeconds: $ttlSeconds }) {
      version {
        id
        ttlSeconds
        expiresAt
      }
      errors {
        code
        message
      }
    }
  }
`);

interface ActionVersion {
  id: string;
  version: string;
  aliases: readonly string[];
  ttlSeconds: number | null;
  expiresAt: string | null;
  artifact: { path: string };
}

type Outcome = { kind: "error"; error: ApiError } | { kind: "done"; text: string } | null;

/** Run `action`; a thrown error or a payload's first `errors` entry becomes the outcome. */
function useAction(onChange: () => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = async (action: () => Promise<readonly { code: string; message: string }[]>, success: string) => {
    setBusy(true);
    setOutcome(null);
    try {
      const errors = await action();
      if (errors.length > 0) {
        setOutcome({ kind: "error", error: new ApiError(errors[0].message, errors[0].code, 200) });
      } else {
        setOutcome({ kind: "done", text: success });
        onChange();
      }
    } catch (error) {
      setOutcome({ kind: "error", error: asApiError(error) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, run };
}

function OutcomeLine({ outcome }: { outcome: Outcome }) {
  if (outcome === null) return null;
  if (outcome.kind === "error") return <ErrorMessage error={outcome.error} />;
  return (
    <p className="ok" role="status">
      {outcome.text}
    </p>
  );
}

export function AliasActions({ version, onChange }: { version: ActionVersion; onChange: () => void }) {
  const [alias, setAlias] = useState("");
  const { busy, outcome, run } = useAction(onChange);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = alias.trim();
    if (!name) return;
    void run(async () => {
      const { setArtifactAlias } = await request(SET_ALIAS, { versionId: version.id, alias: name });
      if (setArtifactAlias.errors.length === 0) setAlias("");
      return setArtifactAlias.errors;
    }, `Alias ${name} now names ${version.version}.`);
  };
  const remove = (name: string) =>
    void run(async () => {
      const { removeArtifactAlias } = await request(REMOVE_ALIAS, { artifact: version.artifact.path, alias: name });
      return removeArtifactAlias.errors;
    }, `Alias ${name} removed.`);
  return (
    <div className="alias-actions">
      <ul className="chips" aria-label="Aliases" data-testid="aliases">
        {version.aliases.length === 0 && <li className="muted">No aliases.</li>}
        {version.aliases.map((name) => (
          <li key={name} className="chip alias">
            <span>{name}</span>
            {name !== "latest" && (
              <button type="button" className="chip-remove" aria-label={`Remove alias ${name}`} title={`Remove alias ${name}`} disabled={busy} onClick={() => remove(name)}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submit}>
        <label>
          Alias
          <input value={alias} onChange={(event) => setAlias(event.target.value)} placeholder="e.g. production" />
        </label>
        <button type="submit" disabled={busy || alias.trim() === ""}>
          Set alias
        </button>
        <span className="muted">Setting an alias that names another version moves it here.</span>
      </form>
      <OutcomeLine outcome={outcome} />
    </div>
  );
}

const UNITS = [
  { label: "days", seconds: 86400 },
  { label: "hours", seconds: 3600 },
  { label: "minutes", seconds: 60 },
  { label: "seconds", seconds: 1 },
];

export function TtlActions({
  version,
  policy,
  onChange,
}: {
  version: ActionVersion;
  policy: { defaultTtlSeconds: number | null; adminsOnly: boolean } | null;
  onChange: () => void;
}) {
  const orgDefault = policy?.defaultTtlSeconds ?? null;
  const [amount, setAmount] = useState("30");
  const [unit, setUnit] = useState("86400");
  const { busy, outcome, run } = useAction(onChange);
  const apply = (ttlSeconds: number | null, success: string) =>
    void run(async () => {
      const { setArtifactVersionTtl } = await request(SET_TTL, { versionId: version.id, ttlSeconds });
      return setArtifactVersionTtl.errors;
    }, success);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const seconds = Math.round(Number(amount) * Number(unit));
    apply(seconds, `TTL set to ${formatSeconds(seconds)}.`);
  };
  return (
    <div className="ttl-actions">
      <p data-testid="ttl-now">
        {version.ttlSeconds === null || !version.expiresAt
          ? "No TTL: this version never expires."
          : `TTL ${formatSeconds(version.ttlSeconds)} · expires ${formatDate(version.expiresAt)}`}
      </p>
      <form className="inline-form" onSubmit={submit}>
        <label>
          TTL
          <input type="number" min="0" step="any" value={amount} onChange={(event) => setAmount(event.target.value)} />
        </label>
        <label>
          Unit
          <select value={unit} onChange={(event) => setUnit(event.target.value)}>
            {UNITS.map((choice) => (
              <option key={choice.label} value={choice.seconds}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || amount === ""}>
          Set TTL
        </button>
        <button type="button" disabled={busy} onClick={() => apply(0, "The version never expires.")}>
          Never expire
        </button>
        <button type="button" disabled={busy} onClick={() => apply(null, orgDefault ? `TTL cleared: the organisation's default (${formatSeconds(orgDefault)}) applies.` : "TTL cleared.")}>
          Clear TTL
        </button>
      </form>
      <p className="muted" data-testid="ttl-policy">
        Counted from the version's creation. Clear TTL applies the organisation's default:{" "}
        {orgDefault ? formatSeconds(orgDefault) : "none (never expires)"}
        {policy?.adminsOnly && "; only organisation admins may set TTLs"}.
      </p>
      <OutcomeLine outcome={outcome} />
    </div>
  );
}
