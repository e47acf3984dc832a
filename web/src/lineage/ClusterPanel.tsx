// A cluster's members, searched on the server (paged, with the total): each can be previewed and
// extracted into the graph as its own node with its own edges.
import { useEffect, useState } from "react";
import { ApiError, request } from "../api/client";
import type { ClusterInfo } from "./merge";
import { ClusterMembers, type LineageNodeInfo } from "./queries";

const PAGE = 20;

interface Props {
  cluster: ClusterInfo;
  label: string;
  /** Members already drawn as their own node. */
  inGraph: Set<string>;
  onExtract(member: LineageNodeInfo): void;
  /** The members on show after each search or page (the page may fetch ahead for them). */
  onResults?(members: LineageNodeInfo[]): void;
  onShow(id: string): void;
  onClose(): void;
}

interface Found {
  search: string;
  total: number;
  members: LineageNodeInfo[];
  next: string | null;
}

export function ClusterPanel({ cluster, label, inGraph, onExtract, onResults, onShow, onClose }: Props) {
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<string | null>(null);

  const fetchPage = async (text: string, after: string | null, signal?: AbortSignal): Promise<Found | null> => {
    const data = await request(ClusterMembers, { walk: cluster.walk, id: cluster.id, search: text || null, first: PAGE, after }, signal);
    const members = data.lineageCluster?.members;
    if (!members) return null;
    return {
      search: text,
      total: members.totalCount,
      members: members.edges.map((edge) => edge.node),
      next: members.pageInfo.hasNextPage ? (members.pageInfo.endCursor ?? null) : null,
    };
  };

  useEffect(() => {
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      fetchPage(search, null, controller.signal)
        .then((page) => {
          setFound(page);
          setError(null);
          if (page && search) onResults?.(page.members);
        })
        .catch((failure: unknown) => {
          if (controller.signal.aborted) return;
          setError(failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure));
        });
    }, 200);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, cluster.walk, cluster.id]);

  const more = async () => {
    if (!found?.next) return;
    try {
      const page = await fetchPage(found.search, found.next);
      if (page) setFound({ ...page, members: [...found.members, ...page.members] });
    } catch (failure) {
      setError(failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure));
    }
  };

  const name = cluster.grouping === "OTHER" ? "other" : cluster.label;
  return (
    <aside className="lineage-side cluster-panel" data-testid="cluster-panel" aria-label={`Cluster ${label}`}>
      <header>
        <h2>{label}</h2>
        <button type="button" onClick={onClose} aria-label="Close cluster">
          ×
        </button>
      </header>
      <p className="muted">
        {cluster.count.toLocaleString("en")} {cluster.kind === "RUN" ? "runs" : "versions"}
        {cluster.type ? ` of ${cluster.kind === "RUN" ? "job type" : "type"} ${cluster.type}` : ""}
      </p>
      <input
        type="search"
        role="searchbox"
        aria-label={`Search ${name}`}
        placeholder="Search members by name or alias"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {error && <p className="error">{error}</p>}
      {found && (
        <p className="muted" data-testid="cluster-total">
          {found.search ? `${found.total.toLocaleString("en")} matching “${found.search}”` : `${found.total.toLocaleString("en")} members`}
          {found.members.length < found.total ? `, showing ${found.members.length}` : ""}
        </p>
      )}
      <ul className="members" aria-label="Members">
        {found?.members.map((member) => (
          <li key={member.id} data-testid="cluster-member">
            <div className="member-row">
              <span className="member-name">{member.name}</span>
              <button type="button" className="link" onClick={() => setPreview(preview === member.id ? null : member.id)} aria-expanded={preview === member.id} aria-label={`Preview ${member.name}`}>
                Preview
              </button>
              {inGraph.has(member.id) ? (
                <button type="button" onClick={() => onShow(member.id)} aria-label={`Select ${member.name}`}>
                  In graph
                </button>
              ) : (
                <button type="button" onClick={() => onExtract(member)} aria-label={`Extract ${member.name}`}>
                  Extract
                </button>
              )}
            </div>
            {preview === member.id && (
              <dl className="member-preview">
                <dt>{member.kind === "RUN" ? "Job type" : "Type"}</dt>
                <dd>{member.type}</dd>
                <dt>Project</dt>
                <dd>{member.projectPath}</dd>
                <dt>{member.kind === "RUN" ? "Started" : "Created"}</dt>
                <dd>{member.createdAt ? new Date(member.createdAt).toLocaleString() : "—"}</dd>
              </dl>
            )}
          </li>
        ))}
      </ul>
      {found?.next && (
        <button type="button" onClick={() => void more()}>
          More members
        </button>
      )}
    </aside>
  );
}
