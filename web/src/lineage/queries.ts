// The lineage page's documents, typed against schema.graphql by gql.tada.
import { graphql, type ResultOf } from "../graphql";

export const LineageNodeFields = graphql(`
  fragment LineageNodeFields on LineageNode @_unmask {
    id
    kind
    name
    type
    projectPath
    createdAt
    ... on LineageVersion {
      artifactName
      index
      artifactType
    }
  }
`);

/** One walk: the page's main view, an expansion from a node, or an extracted member's walk. */
export const LineageWalk = graphql(
  `
  query LineageWalk(
    $seed: ID!
    $direction: LineageDirection!
    $depth: Int!
    $filter: LineageFilter
    $levelLimit: Int!
    $maxItemsPerLevel: Int!
    $clusterThreshold: Int!
    $timeBudgetMs: Int!
  ) {
    lineage(
      seed: $seed
      direction: $direction
      depth: $depth
      filter: $filter
      levelLimit: $levelLimit
      maxItemsPerLevel: $maxItemsPerLevel
      clusterThreshold: $clusterThreshold
      timeBudgetMs: $timeBudgetMs
    ) {
      walk
      nodeCount
      truncated
      truncation
      elapsedMs
      seed {
        ...LineageNodeFields
      }
      levels {
        direction
        distance
        kind
        nodeCount
        expanded
        truncated
        clusters {
          id
          kind
          grouping
          key
          label
          type
          count
        }
        edges {
          source
          target
          kind
          count
        }
        nodes {
          ...LineageNodeFields
        }
      }
    }
  }
`,
  [LineageNodeFields],
);

/** A page of a cluster's members matching a search (server-side, with the total). */
export const ClusterMembers = graphql(
  `
  query ClusterMembers($walk: String!, $id: ID!, $search: String, $first: Int, $after: String) {
    lineageCluster(walk: $walk, id: $id) {
      id
      count
      members(search: $search, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...LineageNodeFields
          }
        }
      }
    }
  }
`,
  [LineageNodeFields],
);

export type WalkResult = NonNullable<ResultOf<typeof LineageWalk>["lineage"]>;
export type WalkLevel = WalkResult["levels"][number];
export type WalkCluster = WalkLevel["clusters"][number];
export type LineageNodeInfo = ResultOf<typeof LineageNodeFields>;
