// `.../artifacts/:name/:version`: one version with everything a person checks before using it
// (files with download links, manifest, aliases and their history, metadata, tags, TTL, producer
// and consumers) and the actions done by hand: set, move and remove an alias, set or clear a TTL.
import { graphql, type ResultOf } from "../graphql";
import { Link } from "../router";
import {
  Breadcrumbs,
  formatBytes,
  formatDate,
  formatSeconds,
  JsonBlock,
  NotFound,
  Pager,
  paths,
  runPage,
  Show,
  StateBadge,
  useQuery,
} from "./common";
import { usePaging } from "./paging";
import { LinkVersionForm } from "./registry/LinkVersionForm";
import { AliasActions, TtlActions } from "./VersionActions";

const FILES_PAGE = 100;

const VERSION_PAGE = graphql(`
  query VersionPage($org: String!, $path: String!, $filesFirst: Int, $filesAfter: String) {
    organizationTtlPolicy(organization: $org) {
      defaultTtlSeconds
      adminsOnly
    }
    artifactVersion(path: $path) {
      id
      version
      index
      path
      digest
      size
      fileCount
      description
      metadata
      tags
      createdAt
      createdBy
      state
      ttlSeconds
      expiresAt
      aliases
      producedBy
      manifest {
        format
        formatVersion
        digest
        size
      }
      files(first: $filesFirst, after: $filesAfter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            path
            size
            digest
            ref
          }
        }
      }
      artifact {
        id
        name
        type
        path
        aliasHistory(first: 50) {
          totalCount
          edges {
            node {
              alias
              action
              fromIndex
              toIndex
              actor
              at
            }
          }
        }
      }
    }
  }
`);

const VERSION_NEIGHBOURS = graphql(`
  query VersionNeighbours($seed: ID!) {
    lineage(seed: $seed, direction: BOTH, depth: 1, clusterThreshold: 1000000, levelLimit: 500, maxItemsPerLevel: 500) {
      truncated
      levels {
        direction
        distance
        nodeCount
        truncated
        nodes {
          id
          name
          projectPath
          ... on Run {
            jobType
            state
            startedAt
          }
        }
        clusters {
          id
          label
          count
        }
      }
    }
  }
`);

type Version = NonNullable<ResultOf<typeof VERSION_PAGE>["artifactVersion"]>;
type TtlPolicy = ResultOf<typeof VERSION_PAGE>["organizationTtlPolicy"] & object;
type Neighbours = NonNullable<ResultOf<typeof VERSION_NEIGHBOURS>["lineage"]>;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The API's same-origin download of one stored file (`api/web/downloads.py`): the version id
 * is one encoded segment (a global id may hold "/"), each segment of the path is encoded. */
function fileUrl(versionId: string, path: string): string {
  return `/files/${encodeURIComponent(versionId)}/${path.split("/").map(encodeURIComponent).join("/")}`;
}

function manifestUrl(versionId: string): string {
  return `/manifests/${encodeURIComponent(versionId)}`;
}

function Files({ version }: { version: Version }) {
  const paging = usePaging("files", FILES_PAGE);
  const files = version.files;
  if (files.totalCount === 0) return <p className="empty">This version has no files.</p>;
  return (
    <>
      <table className="table" aria-label="Files">
        <thead>
          <tr>
            <th>Path</th>
            <th className="number">Size</th>
            <th>Digest</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {files.edges.map(({ node }) => (
            <tr key={node.path} data-testid="file-row">
              <td className="path">{node.path}</td>
              <td className="number" data-testid="file-size">
                {formatBytes(node.size)}
              </td>
              <td className="digest" title={node.digest ?? undefined}>
                {node.digest ? `${node.digest.slice(0, 16)}…` : node.ref ? <span title={node.ref}>reference</span> : "—"}
              </td>
              <td>
                {node.ref ? (
                  // A reference's bytes stay at its own location: named as text, never a link
                  // that would take the browser off this origin.
                  <span className="muted" data-testid="file-reference">
                    reference: {node.ref}
                  </span>
                ) : (
                  <a href={fileUrl(version.id, node.path)} download={baseName(node.path)} aria-label={`Download ${node.path}`}>
                    Download
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(files.pageInfo.hasNextPage || paging.previous) && (
        <Pager
          noun="files"
          total={files.totalCount}
          shown={files.edges.length}
          offset={paging.offset}
          hasNext={files.pageInfo.hasNextPage}
          onNext={() => paging.next(files.pageInfo.endCursor)}
          onPrevious={paging.previous}
        />
      )}
    </>
  );
}

function AliasHistory({ version }: { version: Version }) {
  const history = version.artifact.aliasHistory;
  if (history.totalCount === 0) return <p className="muted">No alias changes recorded.</p>;
  return (
    <table className="table compact" aria-label="Alias history">
      <thead>
        <tr>
          <th>When</th>
          <th>Alias</th>
          <th>Change</th>
          <th>By</th>
        </tr>
      </thead>
      <tbody>
        {history.edges.map(({ node }, i) => (
          <tr key={i}>
            <td>{formatDate(node.at)}</td>
            <td>
              <span className="chip alias">{node.alias}</span>
            </td>
            <td>
              {node.action.toLowerCase()} {node.fromIndex !== null && `v${node.fromIndex}`}
              {node.fromIndex !== null && node.toIndex !== null && " → "}
              {node.toIndex !== null && `v${node.toIndex}`}
            </td>
            <td>{node.actor}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunList({ levels, empty, label, here }: { levels: Neighbours["levels"]; empty: string; label: string; here: string }) {
  const nodes = levels.flatMap((level) => level.nodes);
  const clusters = levels.flatMap((level) => level.clusters);
  const truncated = levels.some((level) => level.truncated);
  if (nodes.length === 0 && clusters.length === 0) return <p className="muted">{empty}</p>;
  return (
    <>
      <ul className="plain-list" aria-label={label}>
        {nodes.map((node) => (
          <li key={node.id}>
            <Link to={runPage(node.projectPath, node.id)}>{node.name}</Link>
            {"jobType" in node && (
              <>
                {" "}
                <span className="chip">{node.jobType}</span> <StateBadge state={node.state} />
              </>
            )}
            {node.projectPath !== here && <span className="muted"> in {node.projectPath}</span>}
          </li>
        ))}
        {clusters.map((cluster) => (
          <li key={cluster.id}>
            {cluster.label} ({cluster.count})
          </li>
        ))}
      </ul>
      {truncated && (
        <p className="muted">
          More than shown: {levels.map((level) => level.nodeCount).reduce((a, b) => a + b, 0)} in all; see the lineage page.
        </p>
      )}
    </>
  );
}

function Neighbourhood({ version }: { version: Version }) {
  const { result } = useQuery(VERSION_NEIGHBOURS, { seed: version.id });
  const projectPath = version.path.split("/", 2).join("/");
  return (
    <Show result={result}>
      {({ lineage }) => {
        const levels = lineage?.levels ?? [];
        const at = (direction: string) => levels.filter((level) => level.direction === direction && Math.abs(level.distance) === 1);
        return (
          <div className="two-columns">
            <section aria-labelledby="producer-heading">
              <h3 id="producer-heading">Produced by</h3>
              <RunList levels={at("UPSTREAM")} empty="No run recorded producing it (logged outside a run)." label="Producer runs" here={projectPath} />
            </section>
            <section aria-labelledby="consumers-heading">
              <h3 id="consumers-heading">Consumed by</h3>
              <RunList levels={at("DOWNSTREAM")} empty="No run has used it yet." label="Consumer runs" here={projectPath} />
            </section>
          </div>
        );
      }}
    </Show>
  );
}

function VersionBody({
  org,
  project,
  name,
  version,
  policy,
  reload,
}: {
  org: string;
  project: string;
  name: string;
  version: Version;
  policy: TtlPolicy | null;
  reload: () => void;
}) {
  return (
    <>
      <header className="page-head">
        <h1>
          <span className="kind">{version.artifact.type}</span> {version.artifact.name}:{version.version}
        </h1>
        <p className="muted">
          <span data-testid="version-path">{version.path}</span> · {version.state.toLowerCase()} · created {formatDate(version.createdAt)}
          {version.createdBy && ` by ${version.createdBy}`}
        </p>
        {version.description && (
          <p className="description" data-testid="version-description">
            {version.description}
          </p>
        )}
        <p className="actions-row">
          <Link to={paths.lineage(version.path)} className="button-link">
            Lineage graph
          </Link>
          <Link to={paths.artifact(org, project, name)}>All versions</Link>
        </p>
      </header>
      <dl className="facts">
        <dt>Size</dt>
        <dd data-field="size">{formatBytes(version.size)}</dd>
        <dt>Files</dt>
        <dd data-field="fileCount">{version.fileCount}</dd>
        <dt>Digest</dt>
        <dd data-field="digest" className="digest">
          {version.digest}
        </dd>
        <dt>Manifest</dt>
        <dd data-field="manifest" className="digest">
          {version.manifest.digest}{" "}
          <span className="muted">
            ({version.manifest.format} v{version.manifest.formatVersion}, {formatBytes(version.manifest.size)})
          </span>{" "}
          <a href={manifestUrl(version.id)} download>
            Download manifest
          </a>
        </dd>
        <dt>Tags</dt>
        <dd data-field="tags">
          {version.tags.length === 0
            ? "—"
            : version.tags.map((tag) => (
                <span key={tag} className="chip">
                  {tag}
                </span>
              ))}
        </dd>
        <dt>TTL</dt>
        <dd data-field="ttl">{version.ttlSeconds === null ? "none" : formatSeconds(version.ttlSeconds)}</dd>
        <dt>Expires</dt>
        <dd data-field="expiresAt">{version.expiresAt ? formatDate(version.expiresAt) : "never"}</dd>
      </dl>

      <section aria-labelledby="aliases-heading" className="card">
        <h2 id="aliases-heading">Aliases</h2>
        <AliasActions version={version} onChange={reload} />
        <h3>Alias history of {version.artifact.name}</h3>
        <AliasHistory version={version} />
      </section>

      <section aria-labelledby="ttl-heading" className="card">
        <h2 id="ttl-heading">Time to live</h2>
        <TtlActions version={version} policy={policy} onChange={reload} />
      </section>

      <section aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <Files version={version} />
      </section>

      <section aria-labelledby="metadata-heading">
        <h2 id="metadata-heading">Metadata</h2>
        <JsonBlock value={version.metadata} label="metadata" />
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        <Neighbourhood version={version} />
      </section>

      <LinkVersionForm org={org} versionId={version.id} versionPath={version.path} onLinked={reload} />
    </>
  );
}

export function VersionPage({ org, project, name, version }: { org: string; project: string; name: string; version: string }) {
  const paging = usePaging("files", FILES_PAGE);
  const { result, reload } = useQuery(VERSION_PAGE, {
    org,
    path: `${org}/${project}/${name}:${version}`,
    filesFirst: FILES_PAGE,
    filesAfter: paging.after,
  });
  return (
    <div className="browse">
      <Breadcrumbs
        items={[
          { label: "Organisations", to: "/" },
          { label: org, to: paths.org(org) },
          { label: project, to: paths.project(org, project) },
          { label: name, to: paths.artifact(org, project, name) },
          { label: version },
        ]}
      />
      <Show result={result}>
        {({ artifactVersion, organizationTtlPolicy }) =>
          artifactVersion === null ? (
            <NotFound what={`The version “${org}/${project}/${name}:${version}”`} />
          ) : (
            <VersionBody org={org} project={project} name={name} version={artifactVersion} policy={organizationTtlPolicy} reload={reload} />
          )
        }
      </Show>
    </div>
  );
}
