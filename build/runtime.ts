/**
 * Builds the browser runtime into dist/runtime/, the folder the hub serves:
 *   runtime.js              script-tag build (window.Outpost)
 *   runtime-sw.js           optional service worker for customer pages
 *   runtime/index.js        ES module (`outpost/runtime`)
 *   runtime/inference-worker.js, runtime/training-worker.js, runtime/pipeline-worker.js   worker scripts (self-contained)
 *   runtime/tables.js       the table reader (CSV, JSONL, Parquet via hyparquet), imported on a dataset's first table()
 *   runtime/ort/…           onnxruntime-web and its wasm, runtime/tfjs/… tfjs and its wasm: served by the hub, never a CDN
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { isBuilt, ROOT, runAsScript, sourceHash, writeStamp } from './stamp.js';

export const RUNTIME_DIR = join(ROOT, 'dist', 'runtime');
const src = (p: string) => join(ROOT, 'runtime', p);
const out = (p: string) => join(RUNTIME_DIR, p);

const COPIES: [string, string][] = [
  ['node_modules/onnxruntime-web/dist/ort.bundle.min.mjs', 'runtime/ort/ort.bundle.min.mjs'],
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm', 'runtime/ort/ort-wasm-simd-threaded.jsep.wasm'],
  // For pages that use onnxruntime-web directly with env.wasm.wasmPaths pointing at the hub.
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.mjs', 'runtime/ort/ort-wasm-simd-threaded.jsep.mjs'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', 'runtime/tfjs/tfjs-backend-wasm.wasm'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'runtime/tfjs/tfjs-backend-wasm-simd.wasm'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', 'runtime/tfjs/tfjs-backend-wasm-threaded-simd.wasm'],
];

const STAMP = out('runtime/build.json');
/** The build id hashes the runtime's sources and the library versions it ships, so caches turn over with them. */
const SOURCES = [
  'runtime',
  'shared',
  'build/runtime.ts',
  'build/stamp.ts',
  ...['onnxruntime-web', '@tensorflow/tfjs', 'comlink', 'idb'].map((pkg) => `node_modules/${pkg}/package.json`),
];

export async function buildRuntime(): Promise<string> {
  const id = sourceHash(SOURCES);
  rmSync(RUNTIME_DIR, { recursive: true, force: true });
  const common: BuildOptions = {
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    target: 'es2022',
    define: { __OUTPOST_RUNTIME_BUILD__: JSON.stringify(id) },
    logLevel: 'warning',
    // tfjs-backend-wasm mentions Node modules behind runtime checks; they never load in a browser.
    external: ['fs', 'path', 'crypto', 'worker_threads', 'os', 'perf_hooks', 'util'],
  };
  const entries: [string, string, BuildOptions['format']][] = [
    ['index.ts', 'runtime/index.js', 'esm'],
    ['script-tag.ts', 'runtime.js', 'iife'],
    ['sw.ts', 'runtime-sw.js', 'iife'],
    ['inference/worker.ts', 'runtime/inference-worker.js', 'esm'],
    ['inference/tfjs-bundle.ts', 'runtime/tfjs/tfjs.js', 'esm'],
    ['datasets/table-reader.ts', 'runtime/tables.js', 'esm'],
    ['pipelines/worker.ts', 'runtime/pipeline-worker.js', 'esm'],
  ];
  if (existsSync(src('training/worker.ts'))) entries.push(['training/worker.ts', 'runtime/training-worker.js', 'esm']);
  const results = await Promise.all(entries.map(([from, to, format]) => build({ ...common, entryPoints: [src(from)], outfile: out(to), format, metafile: true })));
  // The runtime imports only types from shared/schemas: a value import there drags all of zod (≈450 KB) into every page.
  const zod = results.flatMap((r) => Object.keys(r.metafile!.inputs)).find((input) => input.includes('node_modules/zod/'));
  if (zod) throw new Error(`the browser runtime bundles zod (${zod}): import only types from shared/schemas, or move the value to a zod-free module`);
  for (const [from, to] of COPIES) {
    mkdirSync(join(out(to), '..'), { recursive: true });
    copyFileSync(join(ROOT, from), out(to));
  }
  writeStamp(STAMP, id);
  return id;
}

/** Builds unless dist/runtime holds the build of the current sources. */
export async function ensureRuntimeBuilt(log: (line: string) => void): Promise<void> {
  if (isBuilt(STAMP, sourceHash(SOURCES))) return;
  log('building the browser runtime…');
  await buildRuntime();
}

await runAsScript(import.meta, async () => `runtime ${await buildRuntime()} built into dist/runtime`);
