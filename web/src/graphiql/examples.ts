// GraphiQL's first tabs. The documents live in ./examples/*.graphql (with their variables in the
// .json beside each) so that tests/browser/test_graphiql.py validates every one against
// schema.graphql and its variables against the operation, without a browser.
import lineage from "./examples/lineage.graphql?raw";
import lineageVariables from "./examples/lineage.json?raw";
import me from "./examples/me.graphql?raw";
import meVariables from "./examples/me.json?raw";
import nodeDetails from "./examples/node-details.graphql?raw";
import nodeDetailsVariables from "./examples/node-details.json?raw";
import registrySearch from "./examples/registry-search.graphql?raw";
import registrySearchVariables from "./examples/registry-search.json?raw";

export interface Example {
  query: string;
  variables: string;
}

export const EXAMPLES: readonly Example[] = [
  { query: me, variables: meVariables },
  { query: lineage, variables: lineageVariables },
  { query: registrySearch, variables: registrySearchVariables },
  { query: nodeDetails, variables: nodeDetailsVariables },
];
