// `/`: the organisations the signed-in user belongs to, and a way to open any other by name (with
// anonymous read there is no user to list memberships for).
import { useState, type FormEvent } from "react";
import { graphql } from "../graphql";
import { Link, navigate } from "../router";
import { useSession } from "../shell/SessionContext";
import { Breadcrumbs, formatDate, Pager, paths, Show, useQuery } from "./common";
import { PAGE_SIZE, usePaging } from "./paging";

const MY_ORGANIZATIONS = graphql(`
  query MyOrganizations($first: Int, $after: String) {
    me {
      name
      memberships(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            role
            since
            organization {
              name
              createdAt
            }
          }
        }
      }
    }
  }
`);

function OpenByName() {
  const [name, setName] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) navigate(paths.org(name.trim()));
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        Open an organisation by name
        <input value={name} onChange={(event) => setName(event.target.value)} placeholder="organisation" />
      </label>
      <button type="submit">Open</button>
    </form>
  );
}

function Memberships() {
  const paging = usePaging();
  const { result } = useQuery(MY_ORGANIZATIONS, { first: PAGE_SIZE, after: paging.after });
  return (
    <Show result={result}>
      {({ me }) =>
        me.memberships.edges.length === 0 ? (
          <p className="empty">
            You are not a member of any organisation yet. Create one with the <code>createOrganization</code> mutation (in{" "}
            <a href="/graphql">GraphiQL</a>) or ask an organisation's admin to add you.
          </p>
        ) : (
          <>
            <table className="table" aria-label="Organisations">
              <thead>
                <tr>
                  <th>Organisation</th>
                  <th>Your role</th>
                  <th>Member since</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {me.memberships.edges.map(({ node }) => (
                  <tr key={node.organization.name}>
                    <td>
                      <Link to={paths.org(node.organization.name)}>{node.organization.name}</Link>
                    </td>
                    <td>{node.role}</td>
                    <td>{formatDate(node.since)}</td>
                    <td>{formatDate(node.organization.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager
              noun="organisations"
              total={me.memberships.totalCount}
              shown={me.memberships.edges.length}
              offset={paging.offset}
              hasNext={me.memberships.pageInfo.hasNextPage}
              onNext={() => paging.next(me.memberships.pageInfo.endCursor)}
              onPrevious={paging.previous}
            />
          </>
        )
      }
    </Show>
  );
}

export function OrganizationsPage() {
  const { session } = useSession();
  return (
    <div className="browse">
      <Breadcrumbs items={[{ label: "Organisations" }]} />
      <h1>Organisations</h1>
      {session?.signedIn ? (
        <Memberships />
      ) : (
        <p className="muted">You are browsing anonymously: open an organisation by its name, or sign in to see yours.</p>
      )}
      <OpenByName />
    </div>
  );
}
