// Every GraphQL document of the app is written with `graphql(...)`: gql.tada types it against
// ../schema.graphql, so a schema change that breaks a query fails `npm run build`.
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    BigInt: string | number;
    DateTime: string;
    JSON: unknown;
    ID: string;
  };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
