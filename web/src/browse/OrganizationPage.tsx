// `/orgs/:org`: the organisation's projects (paged, with the total) and a link to its registries.
import { graphql } from "../graphql";
import { Link } from "../router";
import { Breadcrumbs, formatDate, NotFound, Pager, paths, Show, useQuery } from "./common";
import { PAGE_SIZE, usePaging } from "./paging";

const ORGANIZATION_PROJECTS = graphql(`
  query OrganizationProjects($name: String!, $first: Int, $after: String) {
    organization(name: $name) {
      id
      name
      createdAt
      projects(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            createdAt
          }
        }
      }
    }
  }
`);

export function OrganizationPage({ org }: { org: string }) {
  const paging = usePaging();
  const { result } = useQuery(ORGANIZATION_PROJECTS, { name: org, first: PAGE_SIZE, after: paging.after });
  return (
    <div className="browse">
      <Breadcrumbs items={[{ label: "Organisations", to: "/" }, { label: org }]} />
      <Show result={result}>
        {({ organization }) =>
          organization === null ? (
            <NotFound what={`The organisation “${org}”`} />
          ) : (
            <>
              <header className="page-head">
                <h1>
                  <span className="kind">Organisation</span> {organization.name}
                </h1>
                <p className="muted">Created {formatDate(organization.createdAt)}</p>
                <p>
                  <Link to={paths.registries(organization.name)} className="button-link">
                    Registries
                  </Link>
                </p>
              </header>
              <h2>Projects</h2>
              {organization.projects.totalCount === 0 ? (
                <p className="empty">
                  No projects yet. A project is created when a run or an artifact is first logged to it, e.g.{" "}
                  <code>lineage.init(project="{organization.name}/my-project", job_type="train")</code>.
                </p>
              ) : (
                <>
                  <table className="table" aria-label="Projects">
                    <thead>
                      <tr>
                        <th>Project</th>
                        <th>Created</th>
                        <th></th>
                      </tr>
                    </thead>
                    <tbody>
                      {organization.projects.edges.map(({ node }) => (
                        <tr key={node.id}>
                          <td>
                            <Link to={paths.project(organization.name, node.name)}>{node.name}</Link>
                          </td>
                          <td>{formatDate(node.createdAt)}</td>
                          <td>
                            <Link to={paths.runs(organization.name, node.name)}>Runs</Link>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <Pager
                    noun="projects"
                    total={organization.projects.totalCount}
                    shown={organization.projects.edges.length}
                    offset={paging.offset}
                    hasNext={organization.projects.pageInfo.hasNextPage}
                    onNext={() => paging.next(organization.projects.pageInfo.endCursor)}
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
