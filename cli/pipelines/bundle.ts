import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { sha256Digest, type Digest } from '../../shared/digest.js';
import { isPipeline, type PipelineDefinition } from '../../shared/pipeline/define.js';

/** `outpost/pipeline` from this checkout, so a pipeline file anywhere bundles against the same definePipeline. */
const PIPELINE_MODULE = fileURLToPath(new URL('../../shared/pipeline/index.ts', import.meta.url));
const outpostPipeline: Plugin = {
  name: 'outpost-pipeline',
  setup(b) {
    b.onResolve({ filter: /^outpost\/pipeline$/ }, () => ({ path: PIPELINE_MODULE }));
  },
};

/**
 * Bundles a pipeline module (and everything it imports) into one ESM file; its sha256 is the version's code digest.
 * Paths in the output are relative to the file's folder, so the same file bundles to the same bytes from any cwd.
 */
export async function bundlePipeline(file: string): Promise<{ bytes: Uint8Array; digest: Digest }> {
  const entry = resolve(file);
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: dirname(entry),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    plugins: [outpostPipeline],
    // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins. Imported only on
    // Node, so the same bundle also loads in the browser runner's Web Worker (which has no node:module).
    banner: { js: "const require = globalThis.process?.versions?.node ? (await import('node:module')).createRequire(import.meta.url) : undefined;" },
  });
  const bytes = new Uint8Array(result.outputFiles[0]!.contents);
  return { bytes, digest: await sha256Digest(bytes) };
}

/** Imports a bundle from disk (`dir/<hex>.mjs`) and returns its pipeline definition, or throws saying what is missing. */
export async function importBundle(bytes: Uint8Array, digest: string, dir: string): Promise<PipelineDefinition> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${digest.slice('sha256:'.length)}.mjs`);
  // Written aside and renamed into place: runners sharing the folder never import a half-written file.
  const aside = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
  await writeFile(aside, bytes);
  await rename(aside, path);
  const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (!isPipeline(mod.default)) throw new Error('the module\'s default export is not a pipeline: export default definePipeline({ … }) from "outpost/pipeline"');
  return mod.default as PipelineDefinition;
}
