// GraphiQL served by the API from the bundle (no CDN): it works offline and under the page's
// strict Content-Security-Policy. Requests go to /graphql on this origin with the session cookie
// and the CSRF header the server requires of cookie-authenticated requests; headers typed into
// the Headers tab (e.g. `{"Authorization": "Bearer <key>"}`) are sent too.
import { GraphiQL, type GraphiQLProps } from "graphiql";
import "graphiql/graphiql.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { CSRF_HEADER } from "../api/client";
import { EXAMPLES } from "./examples";

const fetcher: GraphiQLProps["fetcher"] = async (params, options) => {
  const typed: Record<string, unknown> = options?.headers ?? {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(typed)) {
    if (typeof value === "string") headers[name] = value;
  }
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: {
      ...headers,
      "content-type": "application/json",
      accept: "application/json",
      [CSRF_HEADER]: "1",
    },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}` }] };
  }
};

createRoot(document.getElementById("graphiql")!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultTabs={EXAMPLES.map((example) => ({ ...example, headers: "" }))}
      defaultEditorToolsVisibility="variables"
      isHeadersEditorEnabled
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);
