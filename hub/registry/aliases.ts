import { and, desc, eq } from 'drizzle-orm';
import { conflict, notFound } from '../../shared/errors.js';
import type { ProjectScope } from '../core/scope.js';
import { aliasEvents, modelAliases, type RegisteredModelRow } from '../db/schema.js';
import { getVersionRow } from './versions.js';

async function currentVersion({ db }: ProjectScope, modelId: string, alias: string): Promise<number | null> {
  const [row] = await db.select().from(modelAliases).where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.alias, alias)));
  return row?.version ?? null;
}

/** Points the alias at a version, recording the move; pointing it where it already points changes nothing. */
export async function moveAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, version: number, actor: string, reason = '') {
  const { db } = scope;
  await getVersionRow(scope, model, version);
  const from = await currentVersion(scope, model.id, alias);
  if (from === version) return { alias, from, to: version, moved: false };
  const at = Date.now();
  await db.batch([
    db
      .insert(modelAliases)
      .values({ modelId: model.id, alias, version, updatedAt: at })
      .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { version, updatedAt: at } }),
    db.insert(aliasEvents).values({ modelId: model.id, alias, fromVersion: from, toVersion: version, actor, reason, at }),
  ]);
  return { alias, from, to: version, moved: true };
}

export async function deleteAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, actor: string, reason = '') {
  const { db } = scope;
  const from = await currentVersion(scope, model.id, alias);
  if (from === null) throw notFound(`model "${model.name}" has no alias "${alias}"`);
  await db.batch([
    db.delete(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, alias))),
    db.insert(aliasEvents).values({ modelId: model.id, alias, fromVersion: from, toVersion: null, actor, reason, at: Date.now() }),
  ]);
  return { alias, from, to: null, moved: true };
}

/** Moves the alias back to where its last move took it from: one call, recorded like any move. */
export async function rollbackAlias(scope: ProjectScope, model: RegisteredModelRow, alias: string, actor: string, reason = '') {
  const [last] = await scope.db
    .select()
    .from(aliasEvents)
    .where(and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, alias)))
    .orderBy(desc(aliasEvents.id))
    .limit(1);
  if (!last) throw notFound(`model "${model.name}" has no alias "${alias}"`);
  if (last.fromVersion === null) throw conflict(`alias "${alias}" of model "${model.name}" has no earlier version to roll back to`);
  return moveAlias(scope, model, alias, last.fromVersion, actor, reason || `rollback from version ${last.toVersion ?? 'none'}`);
}

export async function aliasHistory({ db }: ProjectScope, model: RegisteredModelRow, alias?: string) {
  const rows = await db
    .select()
    .from(aliasEvents)
    .where(alias ? and(eq(aliasEvents.modelId, model.id), eq(aliasEvents.alias, alias)) : eq(aliasEvents.modelId, model.id))
    .orderBy(desc(aliasEvents.id));
  return rows.map((r) => ({ alias: r.alias, from: r.fromVersion, to: r.toVersion, actor: r.actor, reason: r.reason, at: r.at }));
}
