/**
 * Builds the browser runtime into dist/runtime/, the folder the hub serves:
 *   runtime.js              script-tag build (window.Outpost)
 *   runtime-sw.js           optional service worker for customer pages
 *   runtime/index.js        ES module (`outpost/runtime`)
 *   runtime/build.json      the build id and the map of logical names to content-hashed files
 *   runtime/{inference,training,pipeline}-worker.<hash>.js   worker scripts (self-contained)
 *   runtime/tables.<hash>.js   the table reader (CSV, JSONL, Parquet via hyparquet), imported on a dataset's first table()
 *   runtime/ort/…           onnxruntime-web and its wasm, runtime/tfjs/… tfjs and its wasm: served by the hub, never a CDN
 * Every file but the three entry points has its content's hash in its name (served immutable), and a .br and .gz beside it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { writeCompressed } from './compress.js';
import { isBuilt, ROOT, runAsScript, sourceHash } from './stamp.js';

export const RUNTIME_DIR = join(ROOT, 'dist', 'runtime');
const src = (p: string) => join(ROOT, 'runtime', p);
const out = (p: string) => join(RUNTIME_DIR, p);
/** An asset by the name the runtime asks for it (`ort/…`, `inference-worker.js`): served under /runtime/. */
const asset = (p: string) => out(`runtime/${p}`);

/** Library files served as they ship: onnxruntime-web's WebGPU (JSEP) and plain wasm builds, tfjs's wasm binaries. */
const VENDOR: [string, string][] = [
  ['onnxruntime-web/dist/ort.bundle.min.mjs', 'ort/ort.bundle.min.mjs'],
  ['onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm', 'ort/ort-wasm-simd-threaded.jsep.wasm'],
  ['onnxruntime-web/dist/ort.wasm.bundle.min.mjs', 'ort/ort.wasm.bundle.min.mjs'],
  ['onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'ort/ort-wasm-simd-threaded.wasm'],
  // For pages that use onnxruntime-web directly with env.wasm.wasmPaths pointing at the hub.
  ['onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.mjs', 'ort/ort-wasm-simd-threaded.jsep.mjs'],
  ['onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', 'ort/ort-wasm-simd-threaded.mjs'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', 'tfjs/tfjs-backend-wasm.wasm'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'tfjs/tfjs-backend-wasm-simd.wasm'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', 'tfjs/tfjs-backend-wasm-threaded-simd.wasm'],
];

/**
 * Bundles in the order they refer to each other: a bundle knows the content-hashed names of the ones before it.
 * The last group keeps fixed names (pages and the script tag load them by name; the hub serves them short-lived).
 */
const BUNDLES: { entries: [string, string][]; hashed: boolean }[] = [
  { entries: [['inference/tfjs-bundle.ts', 'tfjs/tfjs.js'], ['datasets/table-reader.ts', 'tables.js']], hashed: true },
  { entries: [['inference/worker.ts', 'inference-worker.js'], ['training/worker.ts', 'training-worker.js'], ['pipelines/worker.ts', 'pipeline-worker.js']], hashed: true },
  { entries: [['index.ts', 'runtime/index.js'], ['script-tag.ts', 'runtime.js'], ['sw.ts', 'runtime-sw.js']], hashed: false },
];

const STAMP = out('runtime/build.json');
/** The build id hashes the runtime's sources and the library versions it ships, so caches turn over with them. */
const SOURCES = [
  'runtime',
  'shared',
  'build/runtime.ts',
  'build/compress.ts',
  'build/stamp.ts',
  ...['onnxruntime-web', '@tensorflow/tfjs', 'comlink', 'idb'].map((pkg) => `node_modules/${pkg}/package.json`),
];

/** `ort/x.min.mjs` → `ort/x.min.3f2a9c0b1d4e.mjs`: the first 12 hex digits of the content's sha256 before the extension. */
const hashedName = (path: string, bytes: Buffer) => {
  const dot = path.lastIndexOf('.');
  return `${path.slice(0, dot)}.${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}${path.slice(dot)}`;
};

/** Moves a built asset (and its source map) to its content-hashed name; returns that name. */
function hashInPlace(path: string): string {
  const bytes = readFileSync(asset(path));
  const hashed = hashedName(path, bytes);
  const map = `${basename(path)}.map`;
  writeFileSync(asset(hashed), bytes.toString('utf8').replace(`sourceMappingURL=${map}`, `sourceMappingURL=${basename(hashed)}.map`));
  rmSync(asset(path));
  if (existsSync(asset(`${path}.map`))) renameSync(asset(`${path}.map`), asset(`${hashed}.map`));
  return hashed;
}

export async function buildRuntime(): Promise<string> {
  const id = sourceHash(SOURCES);
  rmSync(RUNTIME_DIR, { recursive: true, force: true });
  // Logical name (what the runtime's code asks for) → the content-hashed file the hub serves as immutable.
  const assets: Record<string, string> = {};
  for (const [from, to] of VENDOR) {
    const bytes = readFileSync(join(ROOT, 'node_modules', from));
    const hashed = hashedName(to, bytes);
    mkdirSync(dirname(asset(hashed)), { recursive: true });
    writeFileSync(asset(hashed), bytes);
    assets[to] = hashed;
  }
  const inputs: string[] = [];
  for (const group of BUNDLES) {
    const common: BuildOptions = {
      bundle: true,
      minify: true,
      sourcemap: 'linked',
      target: 'es2022',
      define: { __OUTPOST_RUNTIME_BUILD__: JSON.stringify(id), __OUTPOST_RUNTIME_ASSETS__: JSON.stringify(assets) },
      logLevel: 'warning',
      // tfjs-backend-wasm mentions Node modules behind runtime checks; they never load in a browser.
      external: ['fs', 'path', 'crypto', 'worker_threads', 'os', 'perf_hooks', 'util'],
    };
    const entries = group.entries.filter(([from]) => existsSync(src(from)));
    const results = await Promise.all(
      entries.map(([from, to]) => build({ ...common, entryPoints: [src(from)], outfile: group.hashed ? asset(to) : out(to), format: to === 'runtime.js' || to === 'runtime-sw.js' ? 'iife' : 'esm', metafile: true })),
    );
    inputs.push(...results.flatMap((r) => Object.keys(r.metafile!.inputs)));
    if (group.hashed) for (const [, to] of entries) assets[to] = hashInPlace(to);
  }
  // The runtime imports only types from shared/schemas: a value import there drags all of zod (≈450 KB) into every page.
  const zod = inputs.find((input) => input.includes('node_modules/zod/'));
  if (zod) throw new Error(`the browser runtime bundles zod (${zod}): import only types from shared/schemas, or move the value to a zod-free module`);
  // Compressed at build time, never per request: the hub picks a variant by Accept-Encoding.
  for (const file of builtFiles(RUNTIME_DIR)) if (!file.endsWith('.map')) writeCompressed(file);
  writeFileSync(STAMP, JSON.stringify({ build: id, assets }));
  return id;
}

const builtFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? builtFiles(join(dir, e.name)) : [join(dir, e.name)]));

/** Builds unless dist/runtime holds the build of the current sources. */
export async function ensureRuntimeBuilt(log: (line: string) => void): Promise<void> {
  if (isBuilt(STAMP, sourceHash(SOURCES))) return;
  log('building the browser runtime…');
  await buildRuntime();
}

await runAsScript(import.meta, async () => `runtime ${await buildRuntime()} built into dist/runtime`);
