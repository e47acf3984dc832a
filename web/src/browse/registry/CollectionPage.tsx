// One registry collection: its linked versions (vN, aliases with the protected ones marked, the
// source version with links to its page and its lineage), its aliases and their history, and its
// link history; the actions a person does by hand (set, move and remove an alias, unlink a
// version), each through the API's own mutation, refusals shown with their code.
import { useState, type FormEvent, type ReactNode } from "react";
import { ApiError, request } from "../../api/client";
import { graphql } from "../../graphql";
import { Link, navigate, usePlace } from "../../router";
import { Breadcrumbs, ErrorMessage, NotFound, Pager, Show, asApiError, formatDate, paths, useQuery, versionPage } from "../common";
import { collectionPage, collectionPath, registryPage } from "./places";

const PAGE_SIZE = 50;

const COLLECTION = graphql(`
  query RegistryCollection($path: String!, $first: Int!, $after: String) {
    registryCollection(path: $path) {
      id
      name
      type
      description
      tags
      createdAt
      createdBy
      versionCount
      path
      registry {
        id
        name
        protectedAliases
      }
      versions(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            index
            version
            aliases
            linkedAt
            linkedBy
            digest
            fileCount
            description
            createdAt
            path
            sourcePath
            sourceVersionId
            producingRunId
            producingRunName
          }
        }
      }
      aliases(first: 100) {
        totalCount
        edges {
          node {
            name
            index
            version
          }
        }
      }
      aliasHistory(first: 50) {
        totalCount
        edges {
          node {
            alias
            action
            fromIndex
            toIndex
            at
            by
          }
        }
      }
    }
  }
`);

const COLLECTION_AUDIT = graphql(`
  query RegistryCollectionAudit($org: String!, $targetId: String!) {
    links: auditEvents(
      organization: $org
      first: 50
      filter: { action: "registry.link", targetKind: "Collection", targetId: $targetId }
    ) {
      totalCount
      edges {
        node {
          ...LinkEvent
        }
      }
    }
    unlinks: auditEvents(
      organization: $org
      first: 50
      filter: { action: "registry.unlink", targetKind: "Collection", targetId: $targetId }
    ) {
      totalCount
      edges {
        node {
          ...LinkEvent
        }
      }
    }
  }

  fragment LinkEvent on AuditEvent {
    id
    at
    actor
    action
    details
  }
`);

const SET_ALIAS = graphql(`
  mutation RegistrySetAlias($input: SetCollectionAliasInput!) {
    setCollectionAlias(input: $input) {
      registryVersion {
        id
        version
      }
      errors {
        code
        message
      }
    }
  }
`);

const REMOVE_ALIAS = graphql(`
  mutation RegistryRemoveAlias($input: RemoveCollectionAliasInput!) {
    removeCollectionAlias(input: $input) {
      removed
      errors {
        code
        message
      }
    }
  }
`);

const UNLINK = graphql(`
  mutation RegistryUnlink($input: UnlinkArtifactInput!) {
    unlinkArtifact(input: $input) {
      unlinkedIndex
      removedAliases
      errors {
        code
        message
      }
    }
  }
`);

type Outcome = { ok: true; text: string } | { ok: false; error: ApiError };

/** Run a mutation whose payload has `errors`; the first coded error, or what was thrown, fails it. */
async function act<T extends { errors: readonly { code: string; message: string }[] }>(
  run: () => Promise<T>,
  success: (payload: T) => string,
): Promise<Outcome> {
  try {
    const payload = await run();
    const error = payload.errors[0];
    if (error) return { ok: false, error: new ApiError(error.message, error.code, 200) };
    return { ok: true, text: success(payload) };
  } catch (thrown) {
    return { ok: false, error: asApiError(thrown) };
  }
}

/** The stored id inside a Relay global id (base64 of `Type:id`), as the audit trail names targets. */
function storedId(globalId: string): string {
  try {
    const decoded = atob(globalId);
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : globalId;
  } catch {
    return globalId;
  }
}

function AliasName({ name, protectedAliases }: { name: string; protectedAliases: readonly string[] }) {
  const isProtected = protectedAliases.includes(name);
  return (
    <span
      className={isProtected ? "chip alias alias-protected" : "chip alias"}
      data-testid="alias"
      title={isProtected ? "Protected alias: only registry admins may set, move or remove it" : undefined}
    >
      {isProtected && (
        <svg className="lock" viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
          <path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z" fill="currentColor" />
        </svg>
      )}
      {name}
      {isProtected && <span className="visually-hidden"> (protected)</span>}
    </span>
  );
}

export function CollectionPage({ org, registry, collection }: { org: string; registry: string; collection: string }) {
  const { search } = usePlace();
  const pages = (search.get("pages") ?? "").split(",").filter(Boolean);
  const base = collectionPage(org, registry, collection);
  const pageUrl = (cursors: string[]) => (cursors.length ? `${base}?pages=${cursors.join(",")}` : base);
  const { result, reload } = useQuery(COLLECTION, {
    path: collectionPath(org, registry, collection),
    first: PAGE_SIZE,
    after: pages.length ? pages[pages.length - 1] : null,
  });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [historyGeneration, setHistoryGeneration] = useState(0);
  const done = (next: Outcome) => {
    setOutcome(next);
    if (next.ok) {
      reload();
      setHistoryGeneration((n) => n + 1);
    }
  };
  return (
    <section className="browse registry-page">
      <Breadcrumbs
        items={[
          { label: org, to: paths.org(org) },
          { label: "Registries", to: paths.registries(org) },
          { label: registry, to: registryPage(org, registry) },
          { label: collection },
        ]}
      />
      <Show result={result}>
        {(data) => {
          const found = data.registryCollection;
          if (!found) return <NotFound what={`The collection ${collection}`} />;
          const protectedAliases = found.registry.protectedAliases;
          const versions = found.versions.edges.map((edge) => edge.node);
          const aliases = found.aliases.edges.map((edge) => edge.node);
          return (
            <>
              <header className="registry-header">
                <h1>
                  {found.name} <span className="badge">{found.type}</span>
                </h1>
                <p className="muted">
                  <code>{found.path}</code> · {found.versionCount} linked version{found.versionCount === 1 ? "" : "s"} ·
                  created {formatDate(found.createdAt)} by {found.createdBy}
                </p>
                {found.description && <p>{found.description}</p>}
                {found.tags.length > 0 && (
                  <p>
                    {found.tags.map((tag) => (
                      <span key={tag} className="chip tag">
                        {tag}
                      </span>
                    ))}
                  </p>
                )}
              </header>
              {outcome &&
                (outcome.ok ? (
                  <p className="success" role="status" data-testid="action-result">
                    {outcome.text}
                  </p>
                ) : (
                  <ErrorMessage error={outcome.error} />
                ))}
              <h2>Versions</h2>
              <Pager
                total={found.versions.totalCount}
                shown={versions.length}
                offset={pages.length * PAGE_SIZE}
                hasNext={found.versions.pageInfo.hasNextPage}
                noun="versions, most recently linked first"
                onPrevious={pages.length ? () => navigate(pageUrl(pages.slice(0, -1))) : undefined}
                onNext={() => {
                  const cursor = found.versions.pageInfo.endCursor;
                  if (cursor) navigate(pageUrl([...pages, cursor]));
                }}
              />
              {versions.length === 0 ? (
                <p className="empty">No version is linked to this collection.</p>
              ) : (
                <table className="table registry-table" data-testid="collection-versions" aria-label="Linked versions">
                  <thead>
                    <tr>
                      <th>Version</th>
                      <th>Aliases</th>
                      <th>Source version</th>
                      <th>Produced by</th>
                      <th>Files</th>
                      <th>Linked</th>
                      <th>
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {versions.map((version) => (
                      <tr key={version.id} data-testid={`version-${version.version}`}>
                        <td>
                          <strong>{version.version}</strong>
                          {version.description && <div className="muted">{version.description}</div>}
                        </td>
                        <td>
                          {version.aliases.map((alias) => (
                            <AliasName key={alias} name={alias} protectedAliases={protectedAliases} />
                          ))}
                        </td>
                        <td>
                          <Link to={versionPage(version.sourcePath)}>{version.sourcePath}</Link>{" "}
                          <Link to={paths.lineage(version.path)} className="lineage-link" title={`Lineage of ${version.path}`}>
                            lineage
                          </Link>
                          {version.digest && (
                            <div className="muted digest" title={version.digest}>
                              {version.digest.slice(0, 12)}
                            </div>
                          )}
                        </td>
                        <td>
                          {version.producingRunId ? (
                            <Link to={paths.lineage(version.producingRunId)}>{version.producingRunName ?? "run"}</Link>
                          ) : (
                            "—"
                          )}
                        </td>
                        <td>{version.fileCount ?? "—"}</td>
                        <td>
                          {formatDate(version.linkedAt)}
                          <div className="muted">by {version.linkedBy}</div>
                        </td>
                        <td>
                          <UnlinkButton
                            versionPath={version.path}
                            label={version.version}
                            onDone={done}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <div className="registry-columns">
                <section aria-label="Aliases">
                  <h2>Aliases</h2>
                  {aliases.length === 0 ? (
                    <p className="empty">No aliases.</p>
                  ) : (
                    <table className="table registry-table" data-testid="collection-aliases" aria-label="Collection aliases">
                      <tbody>
                        {aliases.map((alias) => (
                          <tr key={alias.name} data-testid={`alias-${alias.name}`}>
                            <td>
                              <AliasName name={alias.name} protectedAliases={protectedAliases} />
                            </td>
                            <td>{alias.version}</td>
                            <td>
                              {alias.name !== "latest" && (
                                <button
                                  type="button"
                                  aria-label={`Remove alias ${alias.name}`}
                                  onClick={async () =>
                                    done(
                                      await act(
                                        async () =>
                                          (
                                            await request(REMOVE_ALIAS, {
                                              input: { collectionPath: found.path, alias: alias.name },
                                            })
                                          ).removeCollectionAlias,
                                        (payload) =>
                                          payload.removed ? `Removed the alias ${alias.name}.` : `There was no alias ${alias.name}.`,
                                      ),
                                    )
                                  }
                                >
                                  Remove
                                </button>
                              )}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  {versions.length > 0 && (
                    <AliasForm
                      collectionPath={found.path}
                      versions={versions}
                      protectedAliases={protectedAliases}
                      onDone={done}
                    />
                  )}
                </section>
                <section aria-label="Alias history">
                  <h2>Alias history</h2>
                  <History
                    total={found.aliasHistory.totalCount}
                    rows={found.aliasHistory.edges.map(({ node: move }) => ({
                      key: `${move.at}-${move.alias}-${move.action}`,
                      at: move.at,
                      by: move.by,
                      what: (
                        <>
                          <AliasName name={move.alias} protectedAliases={protectedAliases} />{" "}
                          {move.action === "remove"
                            ? `removed from v${move.fromIndex}`
                            : move.fromIndex === null || move.fromIndex === undefined
                              ? `set on v${move.toIndex}`
                              : `moved from v${move.fromIndex} to v${move.toIndex}`}
                        </>
                      ),
                    }))}
                    testId="alias-history"
                  />
                </section>
              </div>
              <LinkHistory key={historyGeneration} org={org} collectionId={found.id} />
            </>
          );
        }}
      </Show>
    </section>
  );
}

function History({
  rows,
  total,
  testId,
}: {
  rows: { key: string; at: string; by: string; what: ReactNode }[];
  total: number;
  testId: string;
}) {
  if (rows.length === 0) return <p className="empty">Nothing yet.</p>;
  return (
    <>
      <ol className="registry-history" data-testid={testId}>
        {rows.map((row) => (
          <li key={row.key}>
            <span className="when">{formatDate(row.at)}</span> <span className="what">{row.what}</span>{" "}
            <span className="muted">by {row.by}</span>
          </li>
        ))}
      </ol>
      {total > rows.length && (
        <p className="muted">
          The {rows.length} newest of {total} changes.
        </p>
      )}
    </>
  );
}

function UnlinkButton({ versionPath, label, onDone }: { versionPath: string; label: string; onDone: (outcome: Outcome) => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" aria-label={`Unlink ${label}`} onClick={() => setAsking(true)}>
        Unlink
      </button>
    );
  return (
    <span className="confirm">
      Unlink {label}?{" "}
      <button
        type="button"
        onClick={async () => {
          setAsking(false);
          onDone(
            await act(
              async () => (await request(UNLINK, { input: { path: versionPath } })).unlinkArtifact,
              (payload) =>
                `Unlinked v${payload.unlinkedIndex}` +
                (payload.removedAliases.length ? `; its aliases ${payload.removedAliases.join(", ")} went with it.` : "."),
            ),
          );
        }}
      >
        Confirm unlink
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

function AliasForm({
  collectionPath: path,
  versions,
  protectedAliases,
  onDone,
}: {
  collectionPath: string;
  versions: readonly { index: number; version: string }[];
  protectedAliases: readonly string[];
  onDone: (outcome: Outcome) => void;
}) {
  const [alias, setAlias] = useState("");
  const [index, setIndex] = useState(String(versions[0].index));
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = alias.trim();
    setBusy(true);
    const outcome = await act(
      async () => (await request(SET_ALIAS, { input: { path: `${path}:v${index}`, alias: name } })).setCollectionAlias,
      (payload) => `The alias ${name} now names ${payload.registryVersion?.version ?? `v${index}`}.`,
    );
    setBusy(false);
    if (outcome.ok) setAlias("");
    onDone(outcome);
  };
  return (
    <form className="inline-form alias-form" aria-label="Set or move an alias" onSubmit={submit}>
      <h3>Set or move an alias</h3>
      <label>
        Alias
        <input name="alias" value={alias} onChange={(event) => setAlias(event.target.value)} required />
      </label>
      <label>
        Version
        <select name="version" value={index} onChange={(event) => setIndex(event.target.value)}>
          {versions.map((version) => (
            <option key={version.index} value={version.index}>
              {version.version}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Set alias
      </button>
      <p className="muted hint">
        {protectedAliases.length
          ? `Only registry admins may set, move or remove ${protectedAliases.join(", ")}. `
          : ""}
        <code>latest</code> always names the most recently linked version.
      </p>
    </form>
  );
}

interface AuditDetails {
  path?: string;
  source?: string;
  aliases?: string[];
}

/** Links and unlinks from the organisation's audit trail (its admins only); others get a note. */
function LinkHistory({ org, collectionId }: { org: string; collectionId: string }) {
  const { result } = useQuery(COLLECTION_AUDIT, { org, targetId: storedId(collectionId) });
  return (
    <section aria-label="Link history">
      <h2>Link history</h2>
      {result.state === "loading" && <p className="loading">Loading…</p>}
      {result.state === "error" &&
        (result.error.code === "FORBIDDEN" || result.error.code === "UNAUTHENTICATED" ? (
          <p className="muted" data-testid="link-history-forbidden">
            The full link and unlink history is in the organisation's audit trail, which only its admins may read;
            the versions above show when and by whom each was linked.
          </p>
        ) : (
          <ErrorMessage error={result.error} />
        ))}
      {result.state === "done" && (
        <History
          total={result.data.links.totalCount + result.data.unlinks.totalCount}
          testId="link-history"
          rows={[...result.data.links.edges, ...result.data.unlinks.edges]
            .map((edge) => edge.node)
            .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
            .map((event) => {
              const details = (event.details ?? {}) as AuditDetails;
              return {
                key: event.id,
                at: event.at,
                by: event.actor,
                what: (
                  <>
                    {event.action === "registry.unlink" ? "unlinked" : "linked"} {details.path && <code>{details.path}</code>}
                    {details.source && <> from {details.source}</>}
                    {details.aliases && details.aliases.length > 0 && <> (its aliases {details.aliases.join(", ")} went with it)</>}
                  </>
                ),
              };
            })}
        />
      )}
    </section>
  );
}
