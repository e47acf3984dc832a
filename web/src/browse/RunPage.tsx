// `.../runs/:run` (the run's global id): config, summary, the versions it consumed and produced,
// and a link to its lineage graph.
import { graphql, type ResultOf } from "../graphql";
import { Link } from "../router";
import { Breadcrumbs, formatBytes, formatDate, formatDuration, JsonBlock, NotFound, paths, Show, StateBadge, useQuery, versionPage } from "./common";

const RUN_PAGE = graphql(`
  query RunPage($id: ID!) {
    node(id: $id) {
      __typename
      ... on Run {
        id
        name
        jobType
        state
        author
        projectPath
        config
        summary
        tags
        startedAt
        finishedAt
        duration
        inputs(first: 100) {
          totalCount
          edges {
            node {
              id
              name
              projectPath
              artifactType
              aliases
              size
              createdAt
            }
          }
        }
        outputs(first: 100) {
          totalCount
          edges {
            node {
              id
              name
              projectPath
              artifactType
              aliases
              size
              createdAt
            }
          }
        }
      }
    }
  }
`);

type RunNode = Extract<NonNullable<ResultOf<typeof RUN_PAGE>["node"]>, { __typename: "Run" }>;
type Versions = RunNode["inputs"];

function VersionTable({ versions, label, empty }: { versions: Versions; label: string; empty: string }) {
  if (versions.totalCount === 0) return <p className="muted">{empty}</p>;
  return (
    <>
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th>Version</th>
            <th>Type</th>
            <th>Aliases</th>
            <th>Size</th>
            <th>Project</th>
          </tr>
        </thead>
        <tbody>
          {versions.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>
                <Link to={versionPage(`${node.projectPath}/${node.name}`)}>{node.name}</Link>
              </td>
              <td>{node.artifactType}</td>
              <td>
                {node.aliases.map((alias) => (
                  <span key={alias} className="chip alias">
                    {alias}
                  </span>
                ))}
              </td>
              <td>{formatBytes(node.size)}</td>
              <td>{node.projectPath}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.totalCount > versions.edges.length && (
        <p className="muted">
          {versions.edges.length} of {versions.totalCount} shown; see the lineage graph for all.
        </p>
      )}
    </>
  );
}

export function RunPage({ org, project, runId }: { org: string; project: string; runId: string }) {
  const { result } = useQuery(RUN_PAGE, { id: runId });
  const crumbs = [
    { label: "Organisations", to: "/" },
    { label: org, to: paths.org(org) },
    { label: project, to: paths.project(org, project) },
    { label: "Runs", to: paths.runs(org, project) },
  ];
  return (
    <div className="browse">
      <Show result={result}>
        {({ node }) => {
          if (node === null || node.__typename !== "Run") {
            return (
              <>
                <Breadcrumbs items={[...crumbs, { label: runId }]} />
                <NotFound what={`The run “${runId}”`} />
              </>
            );
          }
          const run = node as RunNode;
          return (
            <>
              <Breadcrumbs items={[...crumbs, { label: run.name }]} />
              <header className="page-head">
                <h1>
                  <span className="kind">Run</span> {run.name} <StateBadge state={run.state} />
                </h1>
                <p className="actions-row">
                  <Link to={paths.lineage(run.id)} className="button-link">
                    Lineage graph
                  </Link>
                </p>
              </header>
              <dl className="facts">
                <dt>Job type</dt>
                <dd data-field="jobType">{run.jobType}</dd>
                <dt>Project</dt>
                <dd data-field="project">{run.projectPath}</dd>
                <dt>Author</dt>
                <dd data-field="author">{run.author ?? "—"}</dd>
                <dt>Started</dt>
                <dd data-field="startedAt">{formatDate(run.startedAt)}</dd>
                <dt>Finished</dt>
                <dd data-field="finishedAt">{formatDate(run.finishedAt)}</dd>
                <dt>Duration</dt>
                <dd data-field="duration">{formatDuration(run.duration)}</dd>
                <dt>Tags</dt>
                <dd data-field="tags">
                  {run.tags.length === 0
                    ? "—"
                    : run.tags.map((tag) => (
                        <span key={tag} className="chip">
                          {tag}
                        </span>
                      ))}
                </dd>
              </dl>
              <section aria-labelledby="inputs-heading">
                <h2 id="inputs-heading">Inputs</h2>
                <VersionTable versions={run.inputs} label="Inputs" empty="This run consumed no artifact versions." />
              </section>
              <section aria-labelledby="outputs-heading">
                <h2 id="outputs-heading">Outputs</h2>
                <VersionTable versions={run.outputs} label="Outputs" empty="This run produced no artifact versions." />
              </section>
              <div className="two-columns">
                <section aria-labelledby="config-heading">
                  <h2 id="config-heading">Config</h2>
                  <JsonBlock value={run.config} label="config" />
                </section>
                <section aria-labelledby="summary-heading">
                  <h2 id="summary-heading">Summary</h2>
                  <JsonBlock value={run.summary} label="summary" />
                </section>
              </div>
            </>
          );
        }}
      </Show>
    </div>
  );
}
