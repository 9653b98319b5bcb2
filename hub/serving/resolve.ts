import { and, eq, sql } from 'drizzle-orm';
import type { ModelRef } from '../../shared/refs.js';
import type { ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import type { ReadDb, Reads } from '../db/read-connection.js';
import { modelAliases, modelVersions, registeredModels } from '../db/schema.js';
import { resolveModelRef } from '../registry/refs.js';
import type { ResolvedVersion } from './server.js';

/**
 * The model and version of a ref in one statement, built once per database or read connection: a version number, or
 * (when that is null) the version the alias names now. Building drizzle's query afresh cost about as much as running
 * it (profiled).
 */
function preparedResolve(db: Db) {
  return db
    .select({ model: registeredModels, version: modelVersions })
    .from(registeredModels)
    .innerJoin(
      modelVersions,
      and(
        eq(modelVersions.modelId, registeredModels.id),
        eq(
          modelVersions.version,
          sql`coalesce(${sql.placeholder('version')}, (SELECT ${modelAliases.version} FROM ${modelAliases} WHERE ${modelAliases.modelId} = ${registeredModels.id} AND ${modelAliases.alias} = ${sql.placeholder('alias')}))`,
        ),
      ),
    )
    .where(and(eq(registeredModels.projectId, sql.placeholder('projectId')), eq(registeredModels.name, sql.placeholder('name'))))
    .prepare();
}
const prepared = new WeakMap<Db | ReadDb, ReturnType<typeof preparedResolve>>();

/**
 * The model and version a ref names, in one query: every infer request reads the alias afresh (a move is served on
 * the next request, under another manifest ETag and so another loaded session), so this is on the hot path and goes
 * to the read connection where there is one. A ref that resolves to nothing takes the registry's own path, for its
 * error (which aliases there are).
 */
export async function resolveServedVersion(scope: ProjectScope, ref: ModelRef, reads?: Reads): Promise<ResolvedVersion> {
  const db = reads?.db ?? scope.db;
  let query = prepared.get(db);
  // The same builder on either: drizzle types the read connection's as synchronous, and `await` takes both answers.
  if (!query) prepared.set(db, (query = preparedResolve(db as Db)));
  const args = { projectId: scope.projectId, name: ref.name, version: 'version' in ref ? ref.version : null, alias: 'alias' in ref ? ref.alias : null };
  // On the read connection the row is remembered until the next commit (Reads.remember): JSON-encoded keys,
  // so no name can make two refs collide.
  const row = reads ? reads.remember(`ref\0${JSON.stringify(args)}`, () => (query as unknown as { get: (a: typeof args) => ResolvedVersion | undefined }).get(args)) : await query.get(args);
  return row ?? resolveModelRef(scope, ref);
}
