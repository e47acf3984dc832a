import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createRoot } from "react-dom/client";

createRoot(document.getElementById("graphiql")!).render(<GraphiQL fetcher={async () => ({})} />);
