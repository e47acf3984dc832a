// What lies downstream of a node, counted by type (`lineageImpact`): what a change would touch.
import { useEffect, useState } from "react";
import { ApiError, request } from "../../api/client";
import { graphql, type ResultOf } from "../../graphql";

export const IMPACT_QUERY = graphql(`
  query LineageImpactSummary($node: ID!) {
    lineageImpact(node: $node, timeBudgetMs: 3000) {
      runCount
      versionCount
      runsByJobType { type count }
      versionsByArtifactType { type count }
      depthReached
      truncated
      truncation
    }
  }
`);

type Impact = NonNullable<ResultOf<typeof IMPACT_QUERY>["lineageImpact"]>;

type State = { status: "loading" } | { status: "error"; message: string } | { status: "done"; impact: Impact | null };

/** Downstream counts of `nodeId` by job type and artifact type; lower bounds are marked. */
export function ImpactSummary({ nodeId }: { nodeId: string }) {
  const [state, setState] = useState<State>({ status: "loading" });
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: "loading" });
    request(IMPACT_QUERY, { node: nodeId }, abort.signal).then(
      (data) => setState({ status: "done", impact: data.lineageImpact }),
      (failure: unknown) => {
        if (abort.signal.aborted) return;
        const message = failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure);
        setState({ status: "error", message });
      },
    );
    return () => abort.abort();
  }, [nodeId]);

  return (
    <section className="impact-summary" data-testid="impact-summary" aria-label="Downstream impact">
      <h3>Downstream impact</h3>
      {state.status === "loading" && <p className="muted">Counting…</p>}
      {state.status === "error" && (
        <p role="alert" className="error">
          {state.message}
        </p>
      )}
      {state.status === "done" && state.impact == null && <p className="muted">This node no longer exists.</p>}
      {state.status === "done" && state.impact != null && <ImpactCounts impact={state.impact} />}
    </section>
  );
}

function ImpactCounts({ impact }: { impact: Impact }) {
  const atLeast = impact.truncated ? "at least " : "";
  if (impact.runCount === 0 && impact.versionCount === 0) return <p data-field="impact">Nothing downstream.</p>;
  return (
    <>
      <p data-field="impact">
        {atLeast}
        {impact.runCount.toLocaleString("en")} {impact.runCount === 1 ? "run" : "runs"} and {atLeast}
        {impact.versionCount.toLocaleString("en")} {impact.versionCount === 1 ? "version" : "versions"} downstream, up to{" "}
        {impact.depthReached} {impact.depthReached === 1 ? "hop" : "hops"} away
      </p>
      <ul className="impact-types">
        {impact.runsByJobType.map((entry) => (
          <li key={`run:${entry.type}`} data-impact-run-type={entry.type}>
            <span className="kind-run">run</span> {entry.type}: {entry.count.toLocaleString("en")}
          </li>
        ))}
        {impact.versionsByArtifactType.map((entry) => (
          <li key={`version:${entry.type}`} data-impact-version-type={entry.type}>
            <span className="kind-version">version</span> {entry.type}: {entry.count.toLocaleString("en")}
          </li>
        ))}
      </ul>
      {impact.truncated && (
        <p className="truncation" role="note">
          Counts are lower bounds: {impact.truncation.join(", ").toLowerCase().replaceAll("_", " ")} reached.
        </p>
      )}
    </>
  );
}
