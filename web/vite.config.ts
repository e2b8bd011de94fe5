import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv, type Plugin } from "vite";

/** Writes a .gz beside each script, style sheet and SVG, which the server sends to browsers that
 * accept gzip: compressed once at build time rather than on every request. */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "relaydesk-precompress",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const assets = join(outDir, "assets");
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const file = join(assets, name);
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
      }
    },
  };
}

// `npm run dev` serves the app on :5173 and forwards the API (and, later, its WebSocket) to a
// RelayDesk server, by default `make run`'s on :8000, so both share one origin as in production.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, ".", "RELAYDESK_");
  const api = env.RELAYDESK_API_URL || "http://127.0.0.1:8000";
  return {
    plugins: [react(), precompress()],
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
