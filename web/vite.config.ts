import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The bundle is committed inside the Python package (api/web/static) so that `pip install`
// serves the app offline; `.ci/run` rebuilds it from the lockfile and fails on any difference.
const __dirname = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: resolve(__dirname, "../api/web/static"),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        app: resolve(__dirname, "index.html"),
        graphiql: resolve(__dirname, "graphiql.html"),
      },
    },
  },
  server: {
    // `npm run dev`: the API runs on :8000 (`lineage serve`), the dev server proxies to it.
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
      "/auth": "http://127.0.0.1:8000",
      "/blobs": "http://127.0.0.1:8000",
      "/files": "http://127.0.0.1:8000",
      "/manifests": "http://127.0.0.1:8000",
    },
  },
});
