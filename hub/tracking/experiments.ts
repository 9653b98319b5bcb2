import { and, asc, eq, inArray } from 'drizzle-orm';
import { conflict, forbidden, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Experiment } from '../../shared/schemas/tracking.js';
import type { ProjectScope } from '../core/scope.js';
import { isUniqueViolation } from '../db/errors.js';
import { slices } from '../db/slices.js';
import { experiments, type ExperimentRow } from '../db/schema.js';

export const toExperiment = (row: ExperimentRow): Experiment => ({
  id: row.id,
  name: row.name,
  lifecycle: row.lifecycle,
  tags: row.tags,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});


export async function createExperiment({ db, projectId }: ProjectScope, input: { name: string; tags?: Record<string, string> }): Promise<Experiment> {
  const now = Date.now();
  const row: ExperimentRow = { id: newId('exp'), projectId, name: input.name, lifecycle: 'active', tags: input.tags ?? {}, createdAt: now, updatedAt: now };
  try {
    await db.insert(experiments).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`experiment "${input.name}" already exists`);
    throw err;
  }
  return toExperiment(row);
}

/** The experiment of this project, or 404 / 403 (another project's). */
export async function getExperiment({ db, projectId }: ProjectScope, id: string): Promise<ExperimentRow> {
  const [row] = await db.select().from(experiments).where(eq(experiments.id, id));
  if (!row) throw notFound(`experiment "${id}" does not exist`);
  if (row.projectId !== projectId) throw forbidden(`experiment "${id}" belongs to another project`);
  return row;
}

export async function findExperimentByName({ db, projectId }: ProjectScope, name: string): Promise<ExperimentRow | undefined> {
  const [row] = await db.select().from(experiments).where(and(eq(experiments.projectId, projectId), eq(experiments.name, name)));
  return row;
}

/** Finds or creates by name; safe when two callers race (the unique index decides). */
export async function ensureExperiment(scope: ProjectScope, name: string): Promise<ExperimentRow> {
  const found = await findExperimentByName(scope, name);
  const { db, projectId } = scope;
  if (found) return found;
  const now = Date.now();
  await db
    .insert(experiments)
    .values({ id: newId('exp'), projectId, name, lifecycle: 'active', tags: {}, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  return (await findExperimentByName(scope, name))!;
}

export async function listExperiments({ db, projectId }: ProjectScope, lifecycle: 'active' | 'deleted' | 'all' = 'active'): Promise<Experiment[]> {
  const where = lifecycle === 'all' ? eq(experiments.projectId, projectId) : and(eq(experiments.projectId, projectId), eq(experiments.lifecycle, lifecycle));
  const rows = await db.select().from(experiments).where(where).orderBy(asc(experiments.createdAt), asc(experiments.id));
  return rows.map(toExperiment);
}

export async function experimentsByIds({ db, projectId }: ProjectScope, ids: string[]): Promise<ExperimentRow[]> {
  const rows: ExperimentRow[] = [];
  for (const slice of slices(ids)) rows.push(...(await db.select().from(experiments).where(inArray(experiments.id, slice))));
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFound(`experiment "${id}" does not exist`);
    if (row.projectId !== projectId) throw forbidden(`experiment "${id}" belongs to another project`);
  }
  return rows;
}

/** Renames, tags, deletes or restores an experiment already resolved with getExperiment. */
export async function updateExperiment(
  { db }: ProjectScope,
  row: ExperimentRow,
  patch: { name?: string; tags?: Record<string, string>; lifecycle?: 'active' | 'deleted' },
): Promise<Experiment> {
  const next = { ...row, ...patch, tags: patch.tags ? { ...row.tags, ...patch.tags } : row.tags, updatedAt: Date.now() };
  try {
    await db.update(experiments).set({ name: next.name, tags: next.tags, lifecycle: next.lifecycle, updatedAt: next.updatedAt }).where(eq(experiments.id, row.id));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`experiment "${patch.name}" already exists`);
    throw err;
  }
  return toExperiment(next);
}
