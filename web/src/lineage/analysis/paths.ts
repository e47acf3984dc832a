// Why one node is downstream of another: the shortest paths between them (`lineagePaths`), as
// sets the page highlights.
import { request } from "../../api/client";
import { graphql } from "../../graphql";

export const PATHS_QUERY = graphql(`
  query LineagePathsBetween($from: ID!, $to: ID!, $limit: Int!) {
    lineagePaths(from: $from, to: $to, limit: $limit) {
      direction
      hasMore
      paths {
        length
        nodes { id }
      }
    }
  }
`);

export interface PathHighlight {
  /** Every node on one of the shortest paths, both ends included. */
  nodeIds: Set<string>;
  /** Their hops as `${source}->${target}`, source upstream (as the view's edges run). */
  edgeKeys: Set<string>;
  /** More shortest paths exist than the ones highlighted. */
  hasMore: boolean;
  /** DOWNSTREAM when `to` is downstream of `from`, UPSTREAM when upstream, null when unrelated. */
  direction: "UPSTREAM" | "DOWNSTREAM" | "BOTH" | null;
  /** How many paths were found (0 when neither node reaches the other). */
  pathCount: number;
}

/** The key of the view edge from `source` to `target`. */
export function edgeKey(source: string, target: string): string {
  return `${source}->${target}`;
}

/** Shortest paths between `fromId` and `toId` (either way round), at most `limit` (1 to 20). */
export async function fetchPaths(fromId: string, toId: string, limit = 20, signal?: AbortSignal): Promise<PathHighlight> {
  const data = await request(PATHS_QUERY, { from: fromId, to: toId, limit }, signal);
  const answer = data.lineagePaths;
  const nodeIds = new Set<string>();
  const edgeKeys = new Set<string>();
  if (answer == null) return { nodeIds, edgeKeys, hasMore: false, direction: null, pathCount: 0 };
  for (const path of answer.paths) {
    path.nodes.forEach((node, i) => {
      nodeIds.add(node.id);
      if (i > 0) edgeKeys.add(edgeKey(path.nodes[i - 1].id, node.id));
    });
  }
  return { nodeIds, edgeKeys, hasMore: answer.hasMore, direction: answer.direction, pathCount: answer.paths.length };
}
