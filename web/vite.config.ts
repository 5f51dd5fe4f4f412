/**
 * The web app's build (`npm run build` → dist/web) and dev server (`npm run dev:web`: Vite on :5173 with the API
 * proxied to a running `lf serve`, LF_API_URL or http://127.0.0.1:8000).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

const api = process.env.LF_API_URL ?? 'http://127.0.0.1:8000';
const proxied = ['/v1', '/health', '/info', '/openapi.json', '/docs'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 700,
    // Quiet: the plugin-timing notice is noise in `npm start`'s output.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: true }])),
  },
});
