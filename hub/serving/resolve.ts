import { and, eq, sql } from 'drizzle-orm';
import type { ModelRef } from '../../shared/refs.js';
import type { ProjectScope } from '../core/scope.js';
import { modelAliases, modelVersions, registeredModels } from '../db/schema.js';
import { resolveModelRef } from '../registry/refs.js';
import type { ResolvedVersion } from './server.js';

/**
 * The model and version a ref names, in one query: every infer request reads the alias afresh (a move is served on
 * the next request), so this is on the hot path. A ref that resolves to nothing takes the registry's own path, for
 * its error (which aliases there are).
 */
export async function resolveServedVersion(scope: ProjectScope, ref: ModelRef): Promise<ResolvedVersion> {
  const wanted =
    'version' in ref
      ? sql`${ref.version}`
      : sql`(SELECT ${modelAliases.version} FROM ${modelAliases} WHERE ${modelAliases.modelId} = ${registeredModels.id} AND ${modelAliases.alias} = ${ref.alias})`;
  const [row] = await scope.db
    .select({ model: registeredModels, version: modelVersions })
    .from(registeredModels)
    .innerJoin(modelVersions, and(eq(modelVersions.modelId, registeredModels.id), eq(modelVersions.version, wanted)))
    .where(and(eq(registeredModels.projectId, scope.projectId), eq(registeredModels.name, ref.name)));
  return row ?? resolveModelRef(scope, ref);
}
