// `.../artifacts/:name`: an artifact's versions (newest first, paged with the total) with their
// aliases, sizes and file counts.
import { graphql } from "../graphql";
import { Link } from "../router";
import { Breadcrumbs, formatBytes, formatDate, NotFound, Pager, paths, Show, useQuery } from "./common";
import { PAGE_SIZE, usePaging } from "./paging";

const ARTIFACT_VERSIONS = graphql(`
  query ArtifactVersions($path: String!, $first: Int, $after: String) {
    artifact(path: $path) {
      id
      name
      type
      path
      description
      tags
      createdAt
      keepLast
      versionCount
      versions(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            version
            aliases
            size
            fileCount
            createdAt
            createdBy
            state
            description
          }
        }
      }
    }
  }
`);

export function ArtifactPage({ org, project, name }: { org: string; project: string; name: string }) {
  const paging = usePaging();
  const { result } = useQuery(ARTIFACT_VERSIONS, { path: `${org}/${project}/${name}`, first: PAGE_SIZE, after: paging.after });
  return (
    <div className="browse">
      <Breadcrumbs
        items={[
          { label: "Organisations", to: "/" },
          { label: org, to: paths.org(org) },
          { label: project, to: paths.project(org, project) },
          { label: name },
        ]}
      />
      <Show result={result}>
        {({ artifact }) =>
          artifact === null ? (
            <NotFound what={`The artifact “${org}/${project}/${name}”`} />
          ) : (
            <>
              <header className="page-head">
                <h1>
                  <span className="kind">{artifact.type}</span> {artifact.name}
                </h1>
                {artifact.description && <p className="description">{artifact.description}</p>}
                <p className="muted">
                  Created {formatDate(artifact.createdAt)} · {artifact.versionCount} version{artifact.versionCount === 1 ? "" : "s"}
                  {artifact.keepLast !== null && ` · keeps the last ${artifact.keepLast}`}
                </p>
                {artifact.tags.length > 0 && (
                  <p>
                    {artifact.tags.map((tag) => (
                      <span key={tag} className="chip">
                        {tag}
                      </span>
                    ))}
                  </p>
                )}
              </header>
              <h2>Versions</h2>
              {artifact.versions.totalCount === 0 ? (
                <p className="empty">No committed versions. Log one with the SDK (run.log_artifact) to see it here.</p>
              ) : (
                <>
                  <table className="table" aria-label="Versions">
                    <thead>
                      <tr>
                        <th>Version</th>
                        <th>Aliases</th>
                        <th>Size</th>
                        <th>Files</th>
                        <th>Created</th>
                        <th>By</th>
                        <th>Description</th>
                      </tr>
                    </thead>
                    <tbody>
                      {artifact.versions.edges.map(({ node }) => (
                        <tr key={node.id}>
                          <td>
                            <Link to={paths.version(org, project, name, node.version)}>{node.version}</Link>
                          </td>
                          <td>
                            {node.aliases.map((alias) => (
                              <span key={alias} className="chip alias">
                                {alias}
                              </span>
                            ))}
                          </td>
                          <td>{formatBytes(node.size)}</td>
                          <td>{node.fileCount}</td>
                          <td>{formatDate(node.createdAt)}</td>
                          <td>{node.createdBy ?? "—"}</td>
                          <td className="description">{node.description ?? ""}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <Pager
                    noun="versions"
                    total={artifact.versions.totalCount}
                    shown={artifact.versions.edges.length}
                    offset={paging.offset}
                    hasNext={artifact.versions.pageInfo.hasNextPage}
                    onNext={() => paging.next(artifact.versions.pageInfo.endCursor)}
                    onPrevious={paging.previous}
                  />
                </>
              )}
            </>
          )
        }
      </Show>
    </div>
  );
}
