// Link an artifact version into a registry collection, as a person does by hand: choose a
// registry that accepts the version's type, an existing collection of that type or a new name,
// optional collection aliases. Refusals are shown with their code (TYPE_NOT_ACCEPTED,
// PROTECTED_ALIAS, FORBIDDEN, ...), exactly as the API coded them.
import { useState, type FormEvent } from "react";
import { ApiError, request } from "../../api/client";
import { graphql } from "../../graphql";
import { Link } from "../../router";
import { ErrorMessage, Show, asApiError, useQuery } from "../common";
import { collectionPage, collectionPath } from "./places";

const LINK_CHOICES = graphql(`
  query LinkChoices($org: String!, $versionId: ID!) {
    node(id: $versionId) {
      __typename
      ... on ArtifactVersion {
        id
        artifact {
          type
        }
      }
    }
    registries(organization: $org, first: 100) {
      edges {
        node {
          id
          name
          acceptsAnyType
          acceptedTypes
        }
      }
    }
    registryMemberships(artifactVersionId: $versionId, first: 50) {
      totalCount
      edges {
        node {
          id
          path
        }
      }
    }
  }
`);

const TYPED_COLLECTIONS = graphql(`
  query LinkCollections($org: String!, $registry: String!, $type: String!) {
    registry(organization: $org, name: $registry) {
      id
      collections(filter: { type: $type }, orderBy: NAME, first: 100) {
        totalCount
        edges {
          node {
            id
            name
            versionCount
          }
        }
      }
    }
  }
`);

const LINK = graphql(`
  mutation LinkVersion($input: LinkArtifactInput!) {
    linkArtifact(input: $input) {
      created
      collectionCreated
      registryVersion {
        id
        path
        version
        aliases
        collection {
          name
          registry {
            name
          }
        }
      }
      errors {
        code
        message
        field
      }
    }
  }
`);

const NEW_COLLECTION = "";

interface Linked {
  path: string;
  registry: string;
  collection: string;
  created: boolean;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The form for the version `versionId` (`versionPath` is shown to say which one), in `org`. */
export function LinkVersionForm({
  org,
  versionId,
  versionPath,
  registry: preselected,
  onLinked,
  nested = false,
}: {
  org: string;
  versionId: string;
  versionPath: string;
  /** The registry chosen first (when it accepts the version's type). */
  registry?: string;
  onLinked?: () => void;
  /** Inside another card (a smaller heading, no card of its own). */
  nested?: boolean;
}) {
  const { result, reload } = useQuery(LINK_CHOICES, { org, versionId });
  return (
    <section
      className={nested ? "link-version" : "card link-version"}
      aria-label="Link to a registry"
      data-testid="link-version-form"
    >
      {nested ? <h3>Link to a registry</h3> : <h2>Link to a registry</h2>}
      <Show result={result}>
        {(data) => {
          const version = data.node?.__typename === "ArtifactVersion" ? data.node : null;
          if (!version) return <p className="error">The version {versionPath} was not found.</p>;
          const memberships = data.registryMemberships.edges.map((edge) => edge.node);
          return (
            <>
              {memberships.length > 0 && (
                <p className="muted" data-testid="memberships">
                  Already linked as{" "}
                  {memberships.map((membership, i) => (
                    <span key={membership.id}>
                      {i > 0 && ", "}
                      <code>{membership.path}</code>
                    </span>
                  ))}
                  {data.registryMemberships.totalCount > memberships.length && ", …"}
                </p>
              )}
              <LinkChoices
                org={org}
                versionId={versionId}
                versionPath={versionPath}
                type={version.artifact.type}
                registries={data.registries.edges.map((edge) => edge.node)}
                preselected={preselected}
                onLinked={() => {
                  reload();
                  onLinked?.();
                }}
              />
            </>
          );
        }}
      </Show>
    </section>
  );
}

function LinkChoices({
  org,
  versionId,
  versionPath,
  type,
  registries,
  preselected,
  onLinked,
}: {
  org: string;
  versionId: string;
  versionPath: string;
  type: string;
  registries: readonly { id: string; name: string; acceptsAnyType: boolean; acceptedTypes: readonly string[] }[];
  preselected?: string;
  onLinked: () => void;
}) {
  const accepting = registries.filter((registry) => registry.acceptsAnyType || registry.acceptedTypes.includes(type));
  const [registry, setRegistry] = useState(
    preselected && accepting.some((r) => r.name === preselected) ? preselected : (accepting[0]?.name ?? ""),
  );
  const [collection, setCollection] = useState(NEW_COLLECTION);
  const [newName, setNewName] = useState("");
  const [aliases, setAliases] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [linked, setLinked] = useState<Linked | null>(null);
  const [generation, setGeneration] = useState(0); // a link changes the collections' counts
  if (registries.length === 0) return <p className="empty">This organisation has no registries.</p>;
  if (accepting.length === 0)
    return <p className="empty">No registry of this organisation accepts the type {type}.</p>;
  const target = collection === NEW_COLLECTION ? newName.trim() : collection;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setLinked(null);
    setBusy(true);
    try {
      const answer = await request(LINK, {
        input: {
          targetPath: collectionPath(org, registry, target),
          artifactVersionId: versionId,
          aliases: splitList(aliases),
        },
      });
      const payload = answer.linkArtifact;
      const error = payload.errors[0];
      if (error) setFailure(new ApiError(error.message, error.code, 200));
      else if (payload.registryVersion) {
        setLinked({
          path: payload.registryVersion.path,
          registry: payload.registryVersion.collection.registry.name,
          collection: payload.registryVersion.collection.name,
          created: payload.created,
        });
        setAliases("");
        setGeneration((n) => n + 1);
        onLinked();
      }
    } catch (thrown) {
      setFailure(asApiError(thrown));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="link-form" onSubmit={submit} aria-label={`Link ${versionPath}`}>
      <label>
        Registry
        <select
          name="registry"
          aria-label="Registry"
          value={registry}
          onChange={(event) => {
            setRegistry(event.target.value);
            setCollection(NEW_COLLECTION);
          }}
        >
          {registries.map((option) => {
            const accepts = accepting.includes(option);
            return (
              <option key={option.id} value={option.name} disabled={!accepts}>
                {option.name}
                {accepts ? "" : ` (does not accept ${type})`}
              </option>
            );
          })}
        </select>
      </label>
      {registry && (
        <CollectionChoice key={generation} org={org} registry={registry} type={type} value={collection} onChange={setCollection} />
      )}
      {collection === NEW_COLLECTION && (
        <label>
          New collection name
          <input name="collectionName" value={newName} onChange={(event) => setNewName(event.target.value)} required />
        </label>
      )}
      <label>
        Aliases (comma separated, optional)
        <input name="aliases" value={aliases} onChange={(event) => setAliases(event.target.value)} />
      </label>
      <button type="submit" disabled={busy || !target}>
        Link {versionPath}
      </button>
      {failure && <ErrorMessage error={failure} />}
      {linked && (
        <p className="success" role="status" data-testid="link-result">
          {linked.created ? "Linked as " : "Already linked as "}
          <Link to={collectionPage(org, linked.registry, linked.collection)}>{linked.path}</Link>
        </p>
      )}
    </form>
  );
}

function CollectionChoice({
  org,
  registry,
  type,
  value,
  onChange,
}: {
  org: string;
  registry: string;
  type: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { result } = useQuery(TYPED_COLLECTIONS, { org, registry, type });
  const collections =
    result.state === "done" ? (result.data.registry?.collections.edges.map((edge) => edge.node) ?? []) : [];
  return (
    <label>
      Collection
      <select name="collection" aria-label="Collection" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value={NEW_COLLECTION}>New collection…</option>
        {collections.map((collection) => (
          <option key={collection.id} value={collection.name}>
            {collection.name} ({collection.versionCount} versions)
          </option>
        ))}
      </select>
      {result.state === "loading" && <span className="muted"> loading collections…</span>}
      {result.state === "error" && <ErrorMessage error={result.error} />}
    </label>
  );
}

const RESOLVE_VERSION = graphql(`
  query LinkResolveVersion($path: String!) {
    artifactVersion(path: $path) {
      id
      path
    }
  }
`);

/** On a registry page: name a version by its path (`org/project/name:vN` or `:alias`), then link it. */
export function LinkByPath({ org, registry, onLinked }: { org: string; registry: string; onLinked?: () => void }) {
  const [text, setText] = useState("");
  const [found, setFound] = useState<{ id: string; path: string } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const find = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setFound(null);
    const path = text.trim();
    try {
      const answer = await request(RESOLVE_VERSION, { path: path.includes("/") ? path : `${org}/${path}` });
      if (answer.artifactVersion) setFound(answer.artifactVersion);
      else setFailure(new ApiError(`No version ${path}`, "NOT_FOUND", 200));
    } catch (thrown) {
      setFailure(asApiError(thrown));
    }
  };
  return (
    <section className="card link-by-path">
      <h2>Link a version here</h2>
      <form className="inline-form" onSubmit={find} aria-label="Find a version to link">
        <label>
          Version path
          <input
            name="versionPath"
          className="version-path"
            placeholder={`${org}/project/name:v0`}
            value={text}
            onChange={(event) => setText(event.target.value)}
            required
          />
        </label>
        <button type="submit">Find version</button>
      </form>
      {failure && <ErrorMessage error={failure} />}
      {found && <LinkVersionForm key={found.id} org={org} versionId={found.id} versionPath={found.path} registry={registry} onLinked={onLinked} nested />}
    </section>
  );
}
