import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build. It lands in dist/web beside the compiled server, which serves it
 * as static files at `/`. During development `vite --config web/vite.config.ts` serves it
 * with hot reload and forwards API calls to a node on the default port.
 */
const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/health', '/ready', '/metrics', '/docs', '/openapi.json'].map((path) => [path, 'http://127.0.0.1:8080']),
    ),
  },
});
