import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Digest } from '../../shared/digest.js';
import { specOf } from '../../shared/pipeline/define.js';
import { recordProjectBlob } from '../blobs/access.js';
import type { BlobStore } from '../blobs/store.js';
import { systemScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { findPipeline, registerVersion } from '../pipelines/versions.js';

/** The demo's continuous-training pipeline (docs/pipelines.md, "The demo pipeline"). */
export const DEMO_PIPELINE_FILE = fileURLToPath(new URL('../../examples/pipelines/continuous-training.ts', import.meta.url));
export const DEMO_PIPELINE = 'digits-continuous-training';

/**
 * Registers the demo pipeline in the project, bundled from its source as `outpost pipeline register` bundles it (so
 * the CLI and the hub make the same code digest): on the first start that seeds the demo, and on each later start of
 * a project that has it, so a changed pipeline file becomes a new version. Unchanged code and DAG → the same
 * version (`created: false`). Node only: it runs esbuild in the hub process (Workers cannot).
 * `initial: false` and no demo pipeline in the project: nothing is done (null).
 */
export async function registerDemoPipeline(db: Db, blobs: BlobStore, projectId: string, initial: boolean): Promise<{ ref: string; created: boolean } | null> {
  const scope = systemScope(db, blobs, projectId);
  if (!initial && !(await findPipeline(scope, DEMO_PIPELINE))) return null;
  // esbuild is loaded only here, so a hub without the demo never loads it.
  const { bundlePipeline, importBundle } = await import('../../cli/pipelines/bundle.js');
  const { bytes, digest } = await bundlePipeline(DEMO_PIPELINE_FILE);
  const spec = specOf(await importBundle(bytes, digest, join(tmpdir(), 'outpost-register')));
  if (spec.name !== DEMO_PIPELINE) throw new Error(`${DEMO_PIPELINE_FILE} defines "${spec.name}", not "${DEMO_PIPELINE}"`);
  const { size } = await blobs.write(digest as Digest, new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { maxBytes: Infinity, declaredSize: bytes.byteLength });
  await recordProjectBlob(scope, digest as Digest, size);
  const { created, version } = await registerVersion(scope, digest as Digest, spec);
  return { ref: version.ref, created };
}
