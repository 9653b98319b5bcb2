import { eq } from 'drizzle-orm';
import { conflict, forbidden, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Project, UpdateProject } from '../../shared/schemas/projects.js';
import type { CreatedKey } from '../../shared/schemas/keys.js';
import { buildKeyRow, toKeyInfo } from '../auth/keys.js';
import type { ProjectScope } from '../core/scope.js';
import type { Db } from '../db/client.js';
import { isUniqueViolation } from '../db/errors.js';
import { apiKeys, projects, type ProjectRow } from '../db/schema.js';

export const DEFAULT_PROJECT = 'default';

export const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  devicePublishing: row.devicePublishing,
});

/** Creates a project and its first admin key in one atomic batch. */
export async function createProject({ db }: Pick<ProjectScope, 'db'>, name: string): Promise<{ project: Project; adminKey: CreatedKey }> {
  const [existing] = await db.select({ id: projects.id }).from(projects).where(eq(projects.name, name));
  if (existing) throw conflict(`project "${name}" already exists`);
  const row: ProjectRow = { id: newId('prj'), name, createdAt: new Date(), devicePublishing: false };
  const { row: keyRow, secret } = await buildKeyRow(row.id, { kind: 'secret', name: 'admin', role: 'admin' });
  try {
    await db.batch([db.insert(projects).values(row), db.insert(apiKeys).values(keyRow)]);
  } catch (cause) {
    // Two creators raced past the check above: the unique name decides, the loser gets the same 409.
    if (isUniqueViolation(cause)) throw conflict(`project "${name}" already exists`);
    throw cause;
  }
  return { project: toProject(row), adminKey: { key: toKeyInfo(keyRow), secret } };
}

/** The scope's own project. */
export async function getProjectRow({ db, projectId }: ProjectScope): Promise<ProjectRow> {
  const [row] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!row) throw notFound(`project "${projectId}" does not exist`);
  return row;
}

/** A project by id: only the scope's own may be read. */
export async function getProject(scope: ProjectScope, projectId: string): Promise<Project> {
  const row = await getProjectRow({ db: scope.db, projectId });
  if (row.id !== scope.projectId) throw forbidden(`project "${projectId}" is not the project of this key`);
  return toProject(row);
}

/** Settings an admin key changes on its own project. */
export async function updateProject(scope: ProjectScope, patch: UpdateProject): Promise<Project> {
  const row = await getProjectRow(scope);
  const next = { ...row, devicePublishing: patch.devicePublishing ?? row.devicePublishing };
  await scope.db.update(projects).set({ devicePublishing: next.devicePublishing }).where(eq(projects.id, row.id));
  return toProject(next);
}

/**
 * Makes sure the default project exists. On an empty database it also creates the bootstrap admin key:
 * the given one (OUTPOST_ADMIN_KEY) or a new one, returned so the caller prints it once.
 * Safe to run on every start and from concurrent isolates.
 */
export async function ensureDefaultProject(db: Db, adminKey?: string): Promise<{ project: Project; created: boolean; newAdminKey?: string }> {
  let [row] = await db.select().from(projects).where(eq(projects.name, DEFAULT_PROJECT));
  let newAdminKey: string | undefined;
  let created = false;
  if (!row) {
    const fresh: ProjectRow = { id: newId('prj'), name: DEFAULT_PROJECT, createdAt: new Date(), devicePublishing: false };
    const { row: keyRow, secret } = await buildKeyRow(fresh.id, { kind: 'secret', name: 'bootstrap admin', role: 'admin' }, adminKey);
    let failure: unknown;
    try {
      await db.batch([
        db.insert(projects).values(fresh).onConflictDoNothing(),
        db.insert(apiKeys).values(keyRow).onConflictDoNothing(),
      ]);
    } catch (cause) {
      failure = cause; // another isolate created the project first: its batch won, ours rolled back
    }
    [row] = await db.select().from(projects).where(eq(projects.name, DEFAULT_PROJECT));
    if (!row) throw failure;
    created = row?.id === fresh.id;
    if (created && !adminKey) newAdminKey = secret;
  } else if (adminKey) {
    // An admin key named in the environment always works, also on a database made before it was set.
    const { row: keyRow } = await buildKeyRow(row.id, { kind: 'secret', name: 'bootstrap admin', role: 'admin' }, adminKey);
    await db.insert(apiKeys).values(keyRow).onConflictDoNothing();
  }
  if (!row) throw new Error('default project could not be created');
  return { project: toProject(row), created, newAdminKey };
}
