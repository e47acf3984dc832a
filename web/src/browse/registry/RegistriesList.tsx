// The registries of an organisation: the core `model` and `dataset` ones and custom ones, with
// the artifact types each accepts and who sees it.
import { graphql } from "../../graphql";
import { Link } from "../../router";
import { Breadcrumbs, Show, paths, useQuery } from "../common";
import { registryPage } from "./places";

const REGISTRIES = graphql(`
  query RegistryList($org: String!) {
    registries(organization: $org, first: 100) {
      totalCount
      edges {
        node {
          id
          name
          description
          isCore
          acceptsAnyType
          acceptedTypes
          visibility
          protectedAliases
          createdAt
          createdBy
        }
      }
    }
  }
`);

export function RegistriesList({ org }: { org: string }) {
  const { result } = useQuery(REGISTRIES, { org });
  return (
    <section className="browse registry-page">
      <Breadcrumbs items={[{ label: org, to: paths.org(org) }, { label: "Registries" }]} />
      <h1>Registries of {org}</h1>
      <Show result={result}>
        {(data) => {
          const registries = data.registries.edges.map((edge) => edge.node);
          if (registries.length === 0) return <p className="empty">This organisation has no registries yet.</p>;
          return (
            <>
            {data.registries.totalCount > registries.length && (
              <p className="notice">
                Showing the first {registries.length} of {data.registries.totalCount} registries.
              </p>
            )}
            <table className="table registry-table" data-testid="registries" aria-label="Registries">
              <thead>
                <tr>
                  <th>Registry</th>
                  <th>Kind</th>
                  <th>Accepted types</th>
                  <th>Visibility</th>
                  <th>Protected aliases</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {registries.map((registry) => (
                  <tr key={registry.id} data-testid={`registry-${registry.name}`}>
                    <td>
                      <Link to={registryPage(org, registry.name)}>{registry.name}</Link>
                    </td>
                    <td>{registry.isCore ? <span className="badge">core</span> : "custom"}</td>
                    <td>{registry.acceptsAnyType ? <em>any type</em> : registry.acceptedTypes.join(", ")}</td>
                    <td>{registry.visibility === "RESTRICTED" ? "restricted" : "organisation"}</td>
                    <td>{registry.protectedAliases.length ? registry.protectedAliases.join(", ") : "—"}</td>
                    <td>{registry.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </>
          );
        }}
      </Show>
    </section>
  );
}
