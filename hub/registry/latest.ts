import { desc, eq } from 'drizzle-orm';
import type { Scope } from '../core/scope.js';
import { modelVersions, type ModelVersionRow } from './schema.js';

/** The model's newest version (the highest number), or undefined when it has none yet. */
export async function latestVersion({ db }: Pick<Scope, 'db'>, modelId: string): Promise<ModelVersionRow | undefined> {
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.modelId, modelId)).orderBy(desc(modelVersions.version)).limit(1);
  return row;
}
