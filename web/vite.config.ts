import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv } from "vite";

// `npm run dev` serves the app on :5173 and forwards the API (and, later, its WebSocket) to a
// RelayDesk server, by default `make run`'s on :8000, so both share one origin as in production.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, ".", "RELAYDESK_");
  const api = env.RELAYDESK_API_URL || "http://127.0.0.1:8000";
  return {
    plugins: [react()],
    // The budget is 500 KB of gzipped JavaScript for the inbox route (docs/web.md), not
    // Rollup's default 500 KB minified per chunk.
    build: { chunkSizeWarningLimit: 1500 },
    server: {
      proxy: {
        "/api": { target: api, ws: true },
      },
    },
  };
});
