/**
 * Builds the browser runtime into dist/runtime/, the folder the hub serves:
 *   runtime.js              script-tag build (window.Outpost)
 *   runtime-sw.js           optional service worker for customer pages
 *   runtime/index.js        ES module (`outpost/runtime`)
 *   runtime/inference-worker.js, runtime/training-worker.js   worker scripts (self-contained)
 *   runtime/ort/…           onnxruntime-web and its wasm, runtime/tfjs/… tfjs and its wasm: served by the hub, never a CDN
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type BuildOptions } from 'esbuild';

export const ROOT = join(import.meta.dirname, '..', '..');
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

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The build id: a hash of the runtime's sources and the library versions it ships, so caches turn over with them. */
function buildId(): string {
  const hash = createHash('sha256');
  for (const f of [...files(join(ROOT, 'runtime')), ...files(join(ROOT, 'shared'))].sort()) hash.update(relative(ROOT, f)).update(readFileSync(f));
  for (const pkg of ['onnxruntime-web', '@tensorflow/tfjs', 'comlink', 'idb']) hash.update(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

export async function buildRuntime(): Promise<string> {
  const id = buildId();
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
  writeFileSync(out('runtime/build.json'), JSON.stringify({ build: id }));
  return id;
}

/** Builds unless dist/runtime holds the build of the current sources. */
export async function ensureRuntimeBuilt(log: (line: string) => void = () => {}): Promise<void> {
  const stamp = out('runtime/build.json');
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).build === buildId()) return;
  log('building the browser runtime…');
  await buildRuntime();
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const started = performance.now();
  const id = await buildRuntime();
  console.log(`runtime ${id} built into ${relative(process.cwd(), RUNTIME_DIR)} in ${Math.round(performance.now() - started)} ms`);
}
