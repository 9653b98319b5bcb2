import { parseModelRef } from '../../../shared/refs.js';
import type { BlobStore } from '../../blobs/store.js';
import type { Db } from '../../db/client.js';
import { resolveModelRef } from '../../registry/refs.js';
import { readServingConfig } from '../../serving/config.js';
import { onnxEngine } from '../../serving/engines/onnx.js';
import { tfjsEngine } from '../../serving/engines/tfjs.js';
import { ModelServer } from '../../serving/server.js';

/** `/v2` inference on Node: onnxruntime-node for ONNX, tfjs for tfjs-layers; only this entry imports them. */
export function nodeModelServer(db: Db, blobs: BlobStore, env: Record<string, unknown>): ModelServer {
  const config = readServingConfig(env);
  return new ModelServer({ db, blobs, engines: { onnx: onnxEngine(config.threads), 'tfjs-layers': tfjsEngine }, config });
}

/** Loads the refs of OUTPOST_SERVE in the default project; one that fails is logged and the rest still load. */
export async function preloadServed(server: ModelServer, db: Db, projectId: string, refs: string[], log: (line: string) => void): Promise<void> {
  for (const ref of refs) {
    try {
      const resolved = await resolveModelRef({ db, projectId }, parseModelRef(ref));
      await server.load(resolved);
      log(`serving ${resolved.model.name} v${resolved.version.version} (OUTPOST_SERVE ${ref})`);
    } catch (err) {
      log(`OUTPOST_SERVE: ${ref} could not be loaded: ${(err as Error).message}`);
    }
  }
}
