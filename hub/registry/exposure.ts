import type { UpdateModel } from '../../shared/schemas/registry.js';
import type { ProjectScope } from '../core/scope.js';
import type { RegisteredModelRow } from '../db/schema.js';
import { updateModel } from './models.js';
import { exposeFiles, listVersions, recomputeDeviceBlobs } from './versions.js';

/**
 * Describes, tags or exposes a model. Exposing it to devices lets publishable keys read every version's files;
 * hiding it again recomputes which blobs they may read, since a blob may belong to another exposed model too.
 */
export async function patchModel(scope: ProjectScope, model: RegisteredModelRow, patch: UpdateModel) {
  const updated = await updateModel(scope, model, patch);
  if (patch.devices) await exposeFiles(scope, (await listVersions(scope, model)).flatMap((v) => v.files.map((f) => f.digest)));
  else if (patch.devices === false) await recomputeDeviceBlobs(scope);
  return updated;
}
