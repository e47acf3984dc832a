// `/orgs/:org/projects/:project`: the project's artifacts grouped by type (a type filter in the
// URL), paged with the total, and a link to its runs.
import { graphql } from "../graphql";
import { Link, navigate, usePlace } from "../router";
import { Breadcrumbs, formatDate, NotFound, Pager, paths, Show, useQuery } from "./common";
import { PAGE_SIZE, usePaging, withQuery } from "./paging";

const PROJECT_ARTIFACTS = graphql(`
  query ProjectArtifacts($org: String!, $project: String!, $type: String, $first: Int, $after: String) {
    project(organization: $org, name: $project) {
      id
      name
      path
      createdAt
    }
    artifacts(organization: $org, project: $project, type: $type, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          name
          type
          description
          tags
          versionCount
          createdAt
          latest {
            version
            createdAt
            size
            description
          }
        }
      }
    }
  }
`);

export function ProjectPage({ org, project }: { org: string; project: string }) {
  const { path, search } = usePlace();
  const type = search.get("type");
  const paging = usePaging();
  const { result } = useQuery(PROJECT_ARTIFACTS, { org, project, type, first: PAGE_SIZE, after: paging.after });
  return (
    <div className="browse">
      <Breadcrumbs items={[{ label: "Organisations", to: "/" }, { label: org, to: paths.org(org) }, { label: project }]} />
      <Show result={result}>
        {({ project: found, artifacts }) => {
          if (found === null) return <NotFound what={`The project “${org}/${project}”`} />;
          const byType = new Map<string, typeof artifacts.edges>();
          for (const edge of artifacts.edges) byType.set(edge.node.type, [...(byType.get(edge.node.type) ?? []), edge]);
          return (
            <>
              <header className="page-head">
                <h1>
                  <span className="kind">Project</span> {found.path}
                </h1>
                <p className="muted">Created {formatDate(found.createdAt)}</p>
                <p>
                  <Link to={paths.runs(org, project)} className="button-link">
                    Runs
                  </Link>
                </p>
              </header>
              <h2>Artifacts</h2>
              {type !== null && (
                <p className="filter-note">
                  Only artifacts of type <strong>{type}</strong>.{" "}
                  <button type="button" className="link" onClick={() => navigate(withQuery(path, search, { type: null }))}>
                    Show all types
                  </button>
                </p>
              )}
              {artifacts.totalCount === 0 ? (
                <p className="empty">
                  {type === null
                    ? "No artifacts in this project yet. Log one with the SDK: run.log_artifact(lineage.Artifact(name, type))."
                    : `No artifacts of type ${type}.`}
                </p>
              ) : (
                <>
                  {[...byType.entries()].map(([artifactType, edges]) => (
                    <section key={artifactType} className="type-group" aria-label={`Artifacts of type ${artifactType}`}>
                      <h3>
                        <button type="button" className="link type-name" title="Show only this type" onClick={() => navigate(withQuery(path, search, { type: artifactType }))}>
                          {artifactType}
                        </button>
                      </h3>
                      <table className="table">
                        <thead>
                          <tr>
                            <th>Artifact</th>
                            <th>Versions</th>
                            <th>Latest</th>
                            <th>Description</th>
                            <th>Tags</th>
                          </tr>
                        </thead>
                        <tbody>
                          {edges.map(({ node }) => (
                            <tr key={node.id}>
                              <td>
                                <Link to={paths.artifact(org, project, node.name)}>{node.name}</Link>
                              </td>
                              <td>{node.versionCount}</td>
                              <td>
                                {node.latest ? (
                                  <>
                                    <Link to={paths.version(org, project, node.name, node.latest.version)}>{node.latest.version}</Link>{" "}
                                    <span className="muted">{formatDate(node.latest.createdAt)}</span>
                                  </>
                                ) : (
                                  "—"
                                )}
                              </td>
                              <td className="description">{node.description ?? node.latest?.description ?? ""}</td>
                              <td>
                                {node.tags.map((tag) => (
                                  <span key={tag} className="chip">
                                    {tag}
                                  </span>
                                ))}
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </section>
                  ))}
                  <Pager
                    noun="artifacts"
                    total={artifacts.totalCount}
                    shown={artifacts.edges.length}
                    offset={paging.offset}
                    hasNext={artifacts.pageInfo.hasNextPage}
                    onNext={() => paging.next(artifacts.pageInfo.endCursor)}
                    onPrevious={paging.previous}
                  />
                </>
              )}
            </>
          );
        }}
      </Show>
    </div>
  );
}
