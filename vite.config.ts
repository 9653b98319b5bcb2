import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console: a Preact single-page app built into dist/console, which the hub serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('./console', import.meta.url)),
  plugins: [preact()],
  build: { outDir: fileURLToPath(new URL('./dist/console', import.meta.url)), emptyOutDir: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787', '/healthz': 'http://127.0.0.1:8787' } },
});
