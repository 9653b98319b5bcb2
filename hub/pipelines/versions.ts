import { Cron } from 'croner';
import { and, desc, eq, max } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import { canonicalJson } from '../../shared/pipeline/canonical.js';
import type { PipelineSpec } from '../../shared/pipeline/spec.js';
import { dagProblems } from '../../shared/pipeline/validate.js';
import type { PipelineVersion } from '../../shared/schemas/pipelines.js';
import { findProjectBlob } from '../blobs/access.js';
import { isUniqueViolation } from '../db/errors.js';
import { aliasEvents, datasets, datasetVersions, modelVersions, pipelines, pipelineSchedules, pipelineSubscriptions, pipelineVersions, registeredModels, type PipelineRow, type PipelineVersionRow } from '../db/schema.js';
import type { PipelineScope } from './scope.js';

export async function findPipeline({ db, projectId }: PipelineScope, name: string): Promise<PipelineRow | null> {
  const [row] = await db.select().from(pipelines).where(and(eq(pipelines.projectId, projectId), eq(pipelines.name, name)));
  return row ?? null;
}

export async function getPipeline(scope: PipelineScope, name: string): Promise<PipelineRow> {
  const row = await findPipeline(scope, name);
  if (!row) throw notFound(`pipeline "${name}" not found in this project (register it with: outpost pipeline register FILE)`);
  return row;
}

export async function latestVersion({ db }: PipelineScope, pipeline: PipelineRow): Promise<PipelineVersionRow | null> {
  const [row] = await db.select().from(pipelineVersions).where(eq(pipelineVersions.pipelineId, pipeline.id)).orderBy(desc(pipelineVersions.version)).limit(1);
  return row ?? null;
}

export async function getVersion(scope: PipelineScope, pipeline: PipelineRow, version?: number): Promise<PipelineVersionRow> {
  if (version === undefined) {
    const latest = await latestVersion(scope, pipeline);
    if (!latest) throw notFound(`pipeline "${pipeline.name}" has no versions`);
    return latest;
  }
  const [row] = await scope.db.select().from(pipelineVersions).where(and(eq(pipelineVersions.pipelineId, pipeline.id), eq(pipelineVersions.version, version)));
  if (!row) throw notFound(`pipeline "${pipeline.name}" has no version ${version}`);
  return row;
}

export const versionJson = (pipeline: PipelineRow, v: PipelineVersionRow): PipelineVersion => ({
  pipeline: pipeline.name,
  version: v.version,
  ref: `${pipeline.name}/${v.version}`,
  codeDigest: v.codeDigest,
  spec: v.spec,
  createdAt: v.createdAt,
});

/** Every version of a pipeline, newest first. */
/** How many versions the list answers: each carries its whole DAG, so the reply stays bounded. */
export const VERSION_LIST_LIMIT = 100;

export async function listVersions(scope: PipelineScope, pipeline: PipelineRow): Promise<PipelineVersion[]> {
  const rows = await scope.db
    .select()
    .from(pipelineVersions)
    .where(eq(pipelineVersions.pipelineId, pipeline.id))
    .orderBy(desc(pipelineVersions.version))
    .limit(VERSION_LIST_LIMIT);
  return rows.map((v) => versionJson(pipeline, v));
}

/** The hub's own check of a spec (it does not trust the CLI's): the DAG, and the cron expression. */
export function checkSpec(spec: PipelineSpec): void {
  const problems = dagProblems(spec);
  if (spec.schedule) {
    try {
      new Cron(spec.schedule.cron, { paused: true });
    } catch (err) {
      problems.push(`schedule "${spec.schedule.cron}" does not parse: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw badRequest(`pipeline "${spec.name}" is not valid: ${problems.join('; ')}`, problems.map((message) => ({ message })));
}

/**
 * Registers a version. The same code and DAG as the latest version makes no new one (a retried register answers
 * the version the first made). The bundle must be uploaded to the project first.
 */
export async function registerVersion(scope: PipelineScope, codeDigest: Digest, spec: PipelineSpec): Promise<{ created: boolean; version: PipelineVersion }> {
  checkSpec(spec);
  if (!(await findProjectBlob(scope, codeDigest))) throw conflict(`the bundle ${codeDigest} is not uploaded to this project; PUT /v1/blobs/${codeDigest} first`);
  const pipeline = await ensurePipeline(scope, spec.name);
  for (;;) {
    const latest = await latestVersion(scope, pipeline);
    if (latest && latest.codeDigest === codeDigest && canonicalJson(latest.spec) === canonicalJson(spec)) return { created: false, version: versionJson(pipeline, latest) };
    const number = (latest?.version ?? 0) + 1;
    try {
      const [row] = await scope.db.insert(pipelineVersions).values({ pipelineId: pipeline.id, version: number, codeDigest, spec, createdAt: scope.now() }).returning();
      await syncTriggers(scope, pipeline, spec);
      return { created: true, version: versionJson(pipeline, row!) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err; // a concurrent register took the number: look again
    }
  }
}

async function ensurePipeline(scope: PipelineScope, name: string): Promise<PipelineRow> {
  const found = await findPipeline(scope, name);
  if (found) return found;
  await scope.db.insert(pipelines).values({ projectId: scope.projectId, name, createdAt: scope.now() }).onConflictDoNothing();
  return getPipeline(scope, name);
}

/**
 * The latest version's schedule and event triggers become the pipeline's. A schedule kept with the same cron keeps
 * its place; a new one starts now (intervals that ended before it are not run). A new subscription starts after the
 * events that exist now.
 */
async function syncTriggers(scope: PipelineScope, pipeline: PipelineRow, spec: PipelineSpec): Promise<void> {
  const { db } = scope;
  if (spec.schedule) {
    const values = { pipelineId: pipeline.id, projectId: scope.projectId, cron: spec.schedule.cron, catchup: spec.schedule.catchup, handledUntil: scope.now() };
    const [kept] = await db.select().from(pipelineSchedules).where(eq(pipelineSchedules.pipelineId, pipeline.id));
    if (!kept) await db.insert(pipelineSchedules).values(values).onConflictDoNothing();
    else if (kept.cron !== values.cron || kept.catchup !== values.catchup) await db.update(pipelineSchedules).set(values).where(eq(pipelineSchedules.pipelineId, pipeline.id));
  } else await db.delete(pipelineSchedules).where(eq(pipelineSchedules.pipelineId, pipeline.id));

  const wanted = (spec.on ?? []).map((t) => ('dataset' in t ? { kind: 'dataset' as const, subject: t.dataset } : 'model' in t ? { kind: 'model' as const, subject: t.model } : { kind: 'alias' as const, subject: t.alias }));
  const existing = await db.select().from(pipelineSubscriptions).where(eq(pipelineSubscriptions.pipelineId, pipeline.id));
  for (const old of existing) {
    if (!wanted.some((w) => w.kind === old.kind && w.subject === old.subject))
      await db.delete(pipelineSubscriptions).where(and(eq(pipelineSubscriptions.pipelineId, pipeline.id), eq(pipelineSubscriptions.kind, old.kind), eq(pipelineSubscriptions.subject, old.subject)));
  }
  for (const w of wanted) {
    if (existing.some((e) => e.kind === w.kind && e.subject === w.subject)) continue;
    await db.insert(pipelineSubscriptions).values({ pipelineId: pipeline.id, projectId: scope.projectId, ...w, cursor: await eventCursor(scope, w.kind, w.subject) }).onConflictDoNothing();
  }
}

/** The newest event of a subject now: a dataset's or model's highest version number, an alias's last move id. */
export async function eventCursor({ db, projectId }: PipelineScope, kind: 'dataset' | 'model' | 'alias', subject: string): Promise<number> {
  if (kind === 'dataset') {
    const [row] = await db.select({ n: max(datasetVersions.version) }).from(datasetVersions).innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId)).where(and(eq(datasets.projectId, projectId), eq(datasets.name, subject)));
    return row?.n ?? 0;
  }
  if (kind === 'model') {
    const [row] = await db.select({ n: max(modelVersions.version) }).from(modelVersions).innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId)).where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.name, subject)));
    return row?.n ?? 0;
  }
  const [model, alias] = subject.split('@') as [string, string];
  const [row] = await db
    .select({ n: max(aliasEvents.id) })
    .from(aliasEvents)
    .innerJoin(registeredModels, eq(registeredModels.id, aliasEvents.modelId))
    .where(and(eq(registeredModels.projectId, projectId), eq(registeredModels.name, model), eq(aliasEvents.alias, alias)));
  return row?.n ?? 0;
}

export async function listPipelines(scope: PipelineScope) {
  const rows = await scope.db.select().from(pipelines).where(eq(pipelines.projectId, scope.projectId)).orderBy(pipelines.name);
  const out = [];
  for (const p of rows) {
    const latest = await latestVersion(scope, p);
    if (!latest) continue;
    const [schedule] = await scope.db.select().from(pipelineSchedules).where(eq(pipelineSchedules.pipelineId, p.id));
    out.push({ name: p.name, latest: versionJson(p, latest), nextFireAt: schedule ? (new Cron(schedule.cron, { paused: true }).nextRun(new Date(Math.max(scope.now(), schedule.handledUntil)))?.getTime() ?? null) : null });
  }
  return out;
}
