import { putBlob } from '../../shared/client/blobs.js';
import { createModel, createVersion } from '../../shared/client/registry.js';
import { deviceCandidatesName } from '../../shared/device-candidates.js';
import { OutpostError } from '../../shared/errors.js';
import type { ManifestFile } from '../../shared/schemas/registry.js';
import { OutpostRuntimeError } from '../errors.js';
import { hubFailure } from '../hub.js';
import type { FinetuneContext } from './context.js';

export interface PublishOptions {
  /** The model to publish into: default `<base>-device-candidates`, the only one publishable keys may use. */
  name?: string;
  /** Moves this alias to the new version (secret keys with role write; publishable keys are refused). */
  alias?: string;
  description?: string;
}

export interface Published {
  model: string;
  version: number;
  /** `name/version`, loadable with op.load once the model is exposed to devices. */
  ref: string;
  /** False when this fine-tune had been published there before: the hub answered with that version. */
  created: boolean;
}

export interface PublishRequest {
  files: Record<string, ArrayBuffer>;
  manifestFiles: ManifestFile[];
  base: { model: string; version: number };
  runId: string;
  metrics: Record<string, number>;
}

/**
 * Uploads the fine-tuned files as blobs and registers a version with its lineage (base model and version, run).
 * The run is synced first, since the hub checks that it exists. Safe to call again: the hub returns the same version.
 */
export async function publishFineTune(ctx: FinetuneContext, request: PublishRequest, options: PublishOptions = {}): Promise<Published> {
  const name = options.name ?? deviceCandidatesName(request.base.model);
  try {
    await ctx.flush();
  } catch (err) {
    throw new OutpostRuntimeError('offline', `cannot publish while the fine-tune's run is not on the hub yet (${(err as Error).message}): publish again when online`, { cause: err });
  }
  for (const file of request.manifestFiles) {
    await putBlob(ctx.hub, file.digest, request.files[file.path]!).catch((err) => {
      throw hubFailure(err, `could not upload ${file.path} of the fine-tune`);
    });
  }
  if (name !== deviceCandidatesName(request.base.model)) {
    // Another model name is made here if missing (a device-candidates model the hub makes itself); refusals show on the version.
    await createModel(ctx.hub, { name }).catch((err) => {
      if (!(err instanceof OutpostError)) throw err;
    });
  }
  const { version, created } = await createVersion(ctx.hub, name, {
    format: 'tfjs-layers',
    files: request.manifestFiles,
    baseModel: request.base.model,
    baseVersion: request.base.version,
    runId: request.runId,
    metrics: request.metrics,
    description: options.description ?? `fine-tuned on device ${ctx.deviceId} from ${request.base.model}/${request.base.version}`,
    tags: { 'outpost.device_id': ctx.deviceId },
    ...(options.alias !== undefined ? { alias: options.alias } : {}),
  }).catch((err) => {
    throw hubFailure(err, `could not publish the fine-tune into "${name}"`);
  });
  return { model: version.model, version: version.version, ref: `${version.model}/${version.version}`, created };
}
