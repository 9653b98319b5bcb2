import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The console: a Preact single-page app built into dist/console, which the hub serves at `/`. */
export default defineConfig({
  root: 'console',
  plugins: [preact()],
  build: { outDir: '../dist/console', emptyOutDir: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787', '/healthz': 'http://127.0.0.1:8787' } },
});
