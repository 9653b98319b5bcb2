import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The console: a Preact single-page app built into dist/console, which the hub serves at `/`. Its service worker
 * is a second entry with a fixed name, `/console-sw.js`, so its scope is the whole console.
 */
export default defineConfig({
  root: at('./console'),
  plugins: [preact()],
  build: {
    outDir: at('./dist/console'),
    emptyOutDir: true,
    rolldownOptions: {
      input: { index: at('./console/index.html'), 'console-sw': at('./console/src/sw.ts') },
      output: { entryFileNames: (chunk) => (chunk.name === 'console-sw' ? 'console-sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8787', '/healthz': 'http://127.0.0.1:8787' } },
});
