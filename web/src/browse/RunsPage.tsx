// `.../runs`: a project's runs, newest first, filtered by state and job type (both in the URL),
// paged with the total.
import { useEffect, useState, type FormEvent } from "react";
import { graphql } from "../graphql";
import { Link, navigate, usePlace } from "../router";
import { Breadcrumbs, formatDate, formatDuration, Pager, paths, Show, StateBadge, useQuery } from "./common";
import { PAGE_SIZE, usePaging, withQuery } from "./paging";

const RUN_STATES = ["RUNNING", "FINISHED", "FAILED", "CRASHED"] as const;
type RunState = (typeof RUN_STATES)[number];

const PROJECT_RUNS = graphql(`
  query ProjectRuns($org: String!, $project: String!, $state: RunState, $jobType: String, $first: Int, $after: String) {
    project(organization: $org, name: $project) {
      id
      path
    }
    runs(organization: $org, project: $project, state: $state, jobType: $jobType, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          jobType
          state
          author
          startedAt
          duration
          tags
        }
      }
    }
  }
`);

function asState(value: string | null): RunState | null {
  return RUN_STATES.find((state) => state === value) ?? null;
}

function JobTypeFilter({ value, onApply }: { value: string; onApply: (jobType: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(text.trim());
  };
  return (
    <form onSubmit={submit} className="inline-form">
      <label>
        Job type
        <input value={text} onChange={(event) => setText(event.target.value)} placeholder="any, e.g. train" />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

export function RunsPage({ org, project }: { org: string; project: string }) {
  const { path, search } = usePlace();
  const state = asState(search.get("state"));
  const jobType = search.get("jobType") ?? "";
  const paging = usePaging();
  const { result } = useQuery(PROJECT_RUNS, { org, project, state, jobType: jobType || null, first: PAGE_SIZE, after: paging.after });
  const filtered = state !== null || jobType !== "";
  return (
    <div className="browse">
      <Breadcrumbs
        items={[
          { label: "Organisations", to: "/" },
          { label: org, to: paths.org(org) },
          { label: project, to: paths.project(org, project) },
          { label: "Runs" },
        ]}
      />
      <h1>
        <span className="kind">Runs of</span> {org}/{project}
      </h1>
      <div className="filters" role="search" aria-label="Filter runs">
        <div className="inline-form">
          <label>
            State
            <select value={state ?? ""} onChange={(event) => navigate(withQuery(path, search, { state: event.target.value || null }))}>
              <option value="">any</option>
              {RUN_STATES.map((choice) => (
                <option key={choice} value={choice}>
                  {choice.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
        </div>
        <JobTypeFilter value={jobType} onApply={(value) => navigate(withQuery(path, search, { jobType: value || null }))} />
        {filtered && (
          <button type="button" className="link" onClick={() => navigate(path)}>
            Clear filters
          </button>
        )}
      </div>
      <Show result={result}>
        {({ project: found, runs }) =>
          found === null ? (
            <p className="empty">
              No project {org}/{project}. <Link to={paths.org(org)}>See the organisation's projects</Link>.
            </p>
          ) : runs.totalCount === 0 ? (
            <p className="empty">
              {filtered
                ? "No runs match these filters: change or clear them."
                : `No runs yet. Start one with the SDK: lineage.init(project="${org}/${project}", job_type="train").`}
            </p>
          ) : (
            <>
              <table className="table" aria-label="Runs">
                <thead>
                  <tr>
                    <th>Run</th>
                    <th>Job type</th>
                    <th>State</th>
                    <th>Author</th>
                    <th>Started</th>
                    <th>Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {runs.edges.map(({ node }) => (
                    <tr key={node.id} data-testid="run-row">
                      <td>
                        <Link to={paths.run(org, project, node.id)}>{node.name}</Link>
                      </td>
                      <td>
                        <button type="button" className="link" title={`Only ${node.jobType} runs`} onClick={() => navigate(withQuery(path, search, { jobType: node.jobType }))}>
                          {node.jobType}
                        </button>
                      </td>
                      <td>
                        <StateBadge state={node.state} />
                      </td>
                      <td>{node.author ?? "—"}</td>
                      <td>{formatDate(node.startedAt)}</td>
                      <td>{formatDuration(node.duration)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager
                noun="runs"
                total={runs.totalCount}
                shown={runs.edges.length}
                offset={paging.offset}
                hasNext={runs.pageInfo.hasNextPage}
                onNext={() => paging.next(runs.pageInfo.endCursor)}
                onPrevious={paging.previous}
              />
            </>
          )
        }
      </Show>
    </div>
  );
}
