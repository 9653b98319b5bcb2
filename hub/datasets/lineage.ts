import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { OutpostError } from '../../shared/errors.js';
import { formatRef } from '../../shared/refs.js';
import type { DatasetInput } from '../../shared/schemas/tracking.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import { datasetVersionRuns, datasetVersions } from '../db/schema.js';
import { slices } from '../db/slices.js';
import { resolveRef } from './datasets.js';

/** The `source` of a run input that names a version: `outpost://ds/3` (or `outpost://ds@alias`, read when logged). */
export const SOURCE_PREFIX = 'outpost://';
export const versionSource = (name: string, version: number) => `${SOURCE_PREFIX}${formatRef({ name, version })}`;

/** The URI of a source: the source itself, or the `uri`/`url` of MLflow's JSON sources (`{"uri": "outpost://ds/3"}`). */
function sourceUri(source: string): string {
  if (!source.startsWith('{')) return source;
  try {
    const parsed = JSON.parse(source) as { uri?: unknown; url?: unknown };
    return typeof parsed.uri === 'string' ? parsed.uri : typeof parsed.url === 'string' ? parsed.url : source;
  } catch {
    return source;
  }
}

/**
 * The versions a run input names: its source `outpost://<ref>` when that resolves in the project, else every
 * version of the project whose manifest digest starts with the input's digest (`sha256:<hex>` or bare hex, at least 8).
 */
async function versionsNamedBy(scope: ProjectScope, input: DatasetInput): Promise<number[]> {
  const { digest } = input.dataset;
  const source = sourceUri(input.dataset.source);
  if (source.startsWith(SOURCE_PREFIX)) {
    try {
      return [(await resolveRef(scope, source.slice(SOURCE_PREFIX.length))).version.id];
    } catch (err) {
      if (!(err instanceof OutpostError)) throw err;
    }
  }
  const hex = /^(?:sha256:)?([0-9a-f]{8,64})$/.exec(digest)?.[1];
  if (!hex) return [];
  // A prefix, like a short git hash: MLflow caps an input's digest at 36 characters.
  const from = `sha256:${hex}`;
  const rows = await scope.db
    .select({ id: datasetVersions.id })
    .from(datasetVersions)
    .where(and(eq(datasetVersions.projectId, scope.projectId), gte(datasetVersions.manifestDigest, from), lt(datasetVersions.manifestDigest, `${from}~`)));
  return rows.map((r) => r.id);
}

/** Statements linking a run to the versions its inputs name, for the caller's batch; a link made before stays as it is. */
export async function versionLinks(scope: Pick<Scope, 'db' | 'projectId' | 'now'>, runId: string, inputs: DatasetInput[]) {
  const ids = new Set<number>();
  for (const input of inputs) for (const id of await versionsNamedBy(scope, input)) ids.add(id);
  const at = scope.now();
  return [...ids].map((versionId) => scope.db.insert(datasetVersionRuns).values({ versionId, runId, createdAt: at }).onConflictDoNothing());
}

/** The runs that read a version, and the model versions made from those runs. */
export async function versionLineage({ db, projectId }: ProjectScope, versionId: number) {
  const runs = await db.all<{ id: string; name: string; experimentId: string; status: string }>(sql`
    select r.id as id, r.name as name, r.experiment_id as experimentId, r.status as status
    from dataset_version_runs l join runs r on r.id = l.run_id
    where l.version_id = ${versionId} and r.project_id = ${projectId} order by l.created_at, r.id`);
  const modelVersions = runs.length
    ? await db.all<{ model: string; version: number; sourceRunId: string }>(sql`
        select m.name as model, mv.version as version, mv.source_run_id as sourceRunId
        from model_versions mv join registered_models m on m.id = mv.model_id
        where m.project_id = ${projectId} and mv.source_run_id in (select run_id from dataset_version_runs where version_id = ${versionId})
        order by m.name, mv.version`)
    : [];
  return { runs, modelVersions: modelVersions.map((m) => ({ ...m, version: Number(m.version) })) };
}

/** The dataset versions the runs read, by run: for model version replies that show their source run's data. */
export async function versionsReadBy({ db }: Pick<Scope, 'db'>, runIds: (string | null)[]) {
  const out = new Map<string, string[]>();
  for (const slice of slices([...new Set(runIds.filter((id): id is string => id !== null))])) {
    const rows = await db.all<{ runId: string; name: string; version: number }>(sql`
      select l.run_id as runId, d.name as name, v.version as version from dataset_version_runs l
      join dataset_versions v on v.id = l.version_id join datasets d on d.id = v.dataset_id
      where l.run_id in (${sql.join(slice.map((id) => sql`${id}`), sql`, `)}) order by d.name, v.version`);
    for (const r of rows) out.set(r.runId, [...(out.get(r.runId) ?? []), formatRef({ name: r.name, version: Number(r.version) })]);
  }
  return out;
}
