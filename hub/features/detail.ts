import { and, asc, eq, sql } from 'drizzle-orm';
import { notFound } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import { modelVersions, registeredModels } from '../registry/schema.js';
import { getService } from './registry.js';
import { featureServices, featureViews } from './schema.js';

/** One view with how fresh its stores are, and the services that read it. */
export async function viewDetail(scope: ProjectScope, name: string) {
  const { db, projectId } = scope;
  const [row] = await db
    .select()
    .from(featureViews)
    .where(and(eq(featureViews.projectId, projectId), eq(featureViews.name, name)));
  if (!row) throw notFound(`no feature view "${name}"`);
  const mine = sql`project_id = ${projectId} AND view = ${name}`;
  const [[stats], services] = await Promise.all([
    db.all<{ offline: number; online: number; newest: number | null }>(sql`SELECT
      (SELECT count(*) FROM feature_rows WHERE ${mine}) AS offline,
      (SELECT count(*) FROM feature_online WHERE ${mine}) AS online,
      (SELECT max(event_ts) FROM feature_rows WHERE ${mine}) AS newest`),
    db.select({ name: featureServices.name, definition: featureServices.definition }).from(featureServices).where(eq(featureServices.projectId, projectId)).orderBy(asc(featureServices.name)),
  ]);
  return {
    ...row.definition,
    materialized_until: row.materializedUntil,
    stats: {
      offline_rows: Number(stats?.offline ?? 0),
      online_rows: Number(stats?.online ?? 0),
      newest_event_ts: stats?.newest === null || stats?.newest === undefined ? null : Number(stats.newest),
      last_materialized_at: row.lastMaterializedAt,
    },
    services: services.filter((s) => s.definition.features.some((f) => f.startsWith(`${name}:`))).map((s) => s.name),
  };
}

/** One service with the model versions trained on it. */
export async function serviceDetail(scope: ProjectScope, name: string) {
  const service = await getService(scope, name);
  const versions = await scope.db
    .select({ model: registeredModels.name, version: modelVersions.version })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(eq(registeredModels.projectId, scope.projectId), eq(modelVersions.featureService, name)))
    .orderBy(asc(registeredModels.name), asc(modelVersions.version));
  return { ...service, model_versions: versions };
}
