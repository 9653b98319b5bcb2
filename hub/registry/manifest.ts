import type { Lineage, Manifest } from '../../shared/schemas/registry.js';
import type { ModelVersionRow, RegisteredModelRow } from '../db/schema.js';

/** The delivery manifest; its ETag names the exact version, so an alias that has not moved answers 304. */
export function manifestOf(model: RegisteredModelRow, version: ModelVersionRow, lineage: Lineage): Manifest {
  return {
    model: model.name,
    version: version.version,
    format: version.format,
    signature: version.signature,
    files: version.files,
    etag: `"${model.id}/${version.version}"`,
    lineage,
  };
}
