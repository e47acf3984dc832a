// The side panel of the lineage page: everything about the selected run or artifact version,
// read with `node(id:)`, and links to its browse page. Every value is rendered as text.
import { useEffect, useState, type ReactNode } from "react";
import { ApiError, request } from "../../api/client";
import { graphql, type ResultOf } from "../../graphql";
import { Link } from "../../router";
import { formatBytes, formatDuration, formatJson, formatTime, splitProjectPath } from "./format";
import { ImpactSummary } from "./ImpactSummary";
import "./details.css";

export const NODE_DETAILS_QUERY = graphql(`
  query LineageNodeDetails($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Run {
        name
        jobType
        author
        startedAt
        finishedAt
        duration
        state
        config
        summary
        tags
        projectPath
      }
      ... on LineageVersion {
        artifactVersionId
        producer { id name jobType projectPath }
      }
      ... on ArtifactVersion {
        producedBy
      }
    }
  }
`);

export const VERSION_DETAILS_QUERY = graphql(`
  query LineageVersionDetails($id: ID!) {
    node(id: $id) {
      __typename
      ... on ArtifactVersion {
        id
        version
        path
        aliases
        createdAt
        createdBy
        description
        size
        fileCount
        digest
        tags
        producedBy
        artifact { name type description project { name organization { name } } }
      }
    }
    registryMemberships(artifactVersionId: $id, first: 50) {
      totalCount
      edges {
        node {
          id
          path
          version
          aliases
          collection { name registry { name } }
        }
      }
    }
  }
`);

const PRODUCER_QUERY = graphql(`
  query LineageProducerName($id: ID!) {
    node(id: $id) {
      __typename
      ... on Run { id name jobType projectPath }
    }
  }
`);

type NodeAnswer = NonNullable<ResultOf<typeof NODE_DETAILS_QUERY>["node"]>;
type RunAnswer = Extract<NodeAnswer, { __typename: "Run" }>;
type VersionAnswer = ResultOf<typeof VERSION_DETAILS_QUERY>;
type VersionNode = Extract<NonNullable<VersionAnswer["node"]>, { __typename: "ArtifactVersion" }>;
interface Producer {
  id: string;
  name: string;
  jobType: string;
  projectPath: string;
}

type Details =
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "missing" }
  | { status: "run"; run: RunAnswer }
  | { status: "version"; version: VersionNode; memberships: VersionAnswer["registryMemberships"]; producer: Producer | null };

/** The browse page of a run (by its global id, run names need not be unique). */
export function runPageUrl(projectPath: string, runId: string): string {
  const { org, project } = splitProjectPath(projectPath);
  return `/orgs/${encodeURIComponent(org)}/projects/${encodeURIComponent(project)}/runs/${encodeURIComponent(runId)}`;
}

/** The browse page of an artifact version. */
export function versionPageUrl(org: string, project: string, artifact: string, version: string): string {
  return `/orgs/${encodeURIComponent(org)}/projects/${encodeURIComponent(project)}/artifacts/${encodeURIComponent(artifact)}/${encodeURIComponent(version)}`;
}

async function loadDetails(nodeId: string, signal: AbortSignal): Promise<Details> {
  const first = await request(NODE_DETAILS_QUERY, { id: nodeId }, signal);
  const node = first.node;
  if (node == null) return { status: "missing" };
  if (node.__typename === "Run") return { status: "run", run: node as RunAnswer };
  let versionId: string;
  let producer: Producer | null = null;
  if (node.__typename === "LineageVersion") {
    const lineageVersion = node as Extract<NodeAnswer, { __typename: "LineageVersion" }>;
    versionId = lineageVersion.artifactVersionId;
    producer = lineageVersion.producer ?? null;
  } else if (node.__typename === "ArtifactVersion") {
    versionId = node.id;
  } else {
    return { status: "missing" };
  }
  const second = await request(VERSION_DETAILS_QUERY, { id: versionId }, signal);
  if (second.node == null || second.node.__typename !== "ArtifactVersion") return { status: "missing" };
  const version = second.node as VersionNode;
  if (producer == null && version.producedBy != null) {
    const run = (await request(PRODUCER_QUERY, { id: version.producedBy }, signal)).node;
    if (run != null && run.__typename === "Run") producer = run as Producer;
  }
  return { status: "version", version, memberships: second.registryMemberships, producer };
}

/** Details of the run or version `nodeId` (a lineage node's id), with its downstream impact. */
export function DetailsPanel({ nodeId, kind, onClose }: { nodeId: string; kind: "run" | "version"; onClose: () => void }) {
  const [details, setDetails] = useState<Details>({ status: "loading" });
  useEffect(() => {
    const abort = new AbortController();
    setDetails({ status: "loading" });
    loadDetails(nodeId, abort.signal).then(setDetails, (failure: unknown) => {
      if (abort.signal.aborted) return;
      const message = failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure);
      setDetails({ status: "error", message });
    });
    return () => abort.abort();
  }, [nodeId]);

  const title =
    details.status === "run"
      ? details.run.name
      : details.status === "version"
        ? `${details.version.artifact.name}:${details.version.version}`
        : kind === "run"
          ? "Run"
          : "Artifact version";
  return (
    <aside className="details-panel" data-testid="details-panel" data-kind={kind} aria-label={`Details of ${title}`}>
      <header className="details-header">
        <span className={`details-kind kind-${kind}`}>{kind === "run" ? "run" : "artifact version"}</span>
        <h2 data-field="title">{title}</h2>
        <button type="button" className="details-close" onClick={onClose} aria-label="Close details" title="Close details">
          ×
        </button>
      </header>
      {details.status === "loading" && <p className="muted">Loading…</p>}
      {details.status === "error" && (
        <p role="alert" className="error">
          {details.message}
        </p>
      )}
      {details.status === "missing" && <p className="muted">This node no longer exists or you may not read it.</p>}
      {details.status === "run" && <RunDetails run={details.run} />}
      {details.status === "version" && (
        <VersionDetails version={details.version} memberships={details.memberships} producer={details.producer} />
      )}
      {(details.status === "run" || details.status === "version") && <ImpactSummary nodeId={nodeId} />}
    </aside>
  );
}

function Field({ name, field, children }: { name: string; field: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd data-field={field}>{children}</dd>
    </>
  );
}

function RunDetails({ run }: { run: RunAnswer }) {
  return (
    <>
      <dl className="details-fields">
        <Field name="Name" field="name">
          {run.name}
        </Field>
        <Field name="Job type" field="jobType">
          {run.jobType}
        </Field>
        <Field name="Project" field="project">
          {run.projectPath}
        </Field>
        <Field name="Author" field="author">
          {run.author ?? "—"}
        </Field>
        <Field name="Started" field="startedAt">
          {formatTime(run.startedAt)}
        </Field>
        <Field name="Duration" field="duration">
          {run.duration == null ? "running" : formatDuration(run.duration)}
        </Field>
        <Field name="State" field="state">
          <span className={`run-state state-${run.state.toLowerCase()}`}>{run.state}</span>
        </Field>
        {run.tags.length > 0 && (
          <Field name="Tags" field="tags">
            {run.tags.join(", ")}
          </Field>
        )}
      </dl>
      <h3>Config</h3>
      <pre className="details-json" data-field="config">
        {formatJson(run.config)}
      </pre>
      <h3>Summary</h3>
      <pre className="details-json" data-field="summary">
        {formatJson(run.summary)}
      </pre>
      <p className="details-links">
        <Link to={runPageUrl(run.projectPath, run.id)}>Open run page</Link>
      </p>
    </>
  );
}

function VersionDetails({
  version,
  memberships,
  producer,
}: {
  version: VersionNode;
  memberships: VersionAnswer["registryMemberships"];
  producer: Producer | null;
}) {
  const org = version.artifact.project.organization.name;
  const project = version.artifact.project.name;
  return (
    <>
      <dl className="details-fields">
        <Field name="Artifact" field="artifact">
          {version.artifact.name}
        </Field>
        <Field name="Type" field="type">
          {version.artifact.type}
        </Field>
        <Field name="Version" field="version">
          {version.version}
        </Field>
        <Field name="Aliases" field="aliases">
          {version.aliases.length === 0
            ? "—"
            : version.aliases.map((alias) => (
                <span key={alias} className="alias-chip">
                  {alias}
                </span>
              ))}
        </Field>
        <Field name="Project" field="project">
          {org}/{project}
        </Field>
        <Field name="Created" field="createdAt">
          {formatTime(version.createdAt)}
          {version.createdBy ? ` by ${version.createdBy}` : ""}
        </Field>
        <Field name="Description" field="description">
          {version.description ?? "—"}
        </Field>
        <Field name="Logged by run" field="producer">
          {producer == null ? "—" : <Link to={runPageUrl(producer.projectPath, producer.id)}>{`${producer.name} (${producer.jobType})`}</Link>}
        </Field>
        <Field name="Size" field="size">
          {formatBytes(version.size)}
        </Field>
        <Field name="Files" field="fileCount">
          {version.fileCount.toLocaleString("en")}
        </Field>
        <Field name="Digest" field="digest">
          <code title={version.digest}>{version.digest.slice(0, 16)}…</code>
        </Field>
        <Field name="Registries" field="registries">
          {memberships.totalCount === 0 ? (
            "not linked"
          ) : (
            <ul className="memberships">
              {memberships.edges.map(({ node }) => (
                <li key={node.id}>
                  <Link to={collectionPageUrl(org, node.collection.registry.name, node.collection.name)}>{node.path}</Link>
                  {node.aliases.length > 0 && <span className="muted"> ({node.aliases.join(", ")})</span>}
                </li>
              ))}
              {memberships.totalCount > memberships.edges.length && (
                <li className="muted">and {memberships.totalCount - memberships.edges.length} more</li>
              )}
            </ul>
          )}
        </Field>
      </dl>
      <p className="details-links">
        <Link to={versionPageUrl(org, project, version.artifact.name, version.version)}>Open version page</Link>
      </p>
    </>
  );
}

/** The collection page of the registry browse pages. */
function collectionPageUrl(org: string, registry: string, collection: string): string {
  return `/orgs/${encodeURIComponent(org)}/registries/${encodeURIComponent(registry)}/${encodeURIComponent(collection)}`;
}
