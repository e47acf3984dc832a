// The one way the app talks to the API: same-origin POSTs to /graphql. With a session cookie the
// server requires the JSON content type and the x-lineage-csrf header (a cross-site form or
// simple request can send neither), so both are always sent.
import { print } from "@0no-co/graphql.web";
import type { TadaDocumentNode } from "gql.tada";

export const CSRF_HEADER = "x-lineage-csrf";

/** A GraphQL or HTTP failure with the API's error code (`extensions.code`), shown as is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly path?: readonly (string | number)[],
  ) {
    super(message);
  }
}

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

export async function request<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables?: Variables,
  signal?: AbortSignal,
): Promise<Result> {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json", [CSRF_HEADER]: "1" },
    body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    signal,
  });
  let answer: GraphQLAnswer<Result>;
  try {
    answer = (await response.json()) as GraphQLAnswer<Result>;
  } catch {
    throw new ApiError(`HTTP ${response.status}`, response.status === 429 ? "RATE_LIMITED" : "HTTP_ERROR", response.status);
  }
  if (answer.errors && answer.errors.length > 0) {
    const first = answer.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? "ERROR", response.status, first.path);
  }
  if (answer.data == null) throw new ApiError(`HTTP ${response.status}`, "HTTP_ERROR", response.status);
  return answer.data;
}
