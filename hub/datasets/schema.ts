import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { projects } from '../projects/schema.js';

// ——— dataset versions ———

/** A dataset: a name in a project; its versions hold the files. */
export const datasets = sqliteTable(
  'datasets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('datasets_project_name').on(t.projectId, t.name)],
);
export type DatasetRow = typeof datasets.$inferSelect;

/** Immutable numbered versions. `manifest_digest` is sha256 over the sorted `path\tdigest\tsize\n` lines. */
export const datasetVersions = sqliteTable(
  'dataset_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    datasetId: integer('dataset_id')
      .notNull()
      .references(() => datasets.id),
    /** Repeated from the dataset so lineage finds a project's versions by manifest digest through one index. */
    projectId: text('project_id').notNull(),
    version: integer('version').notNull(),
    parentVersion: integer('parent_version'),
    manifestDigest: text('manifest_digest').notNull(),
    files: integer('files').notNull(),
    bytes: integer('bytes').notNull(),
    message: text('message').notNull().default(''),
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('dataset_versions_number').on(t.datasetId, t.version), index('dataset_versions_manifest').on(t.projectId, t.manifestDigest)],
);
export type DatasetVersionRow = typeof datasetVersions.$inferSelect;

/** A version's manifest, one row per file; read in pages by path, diffed in SQL. */
export const datasetFiles = sqliteTable(
  'dataset_files',
  {
    versionId: integer('version_id').notNull(),
    path: text('path').notNull(),
    digest: text('digest').notNull(),
    size: integer('size').notNull(),
    /** The file's md5 when it came from DVC (`outpost data import-dvc`): what `dvc` and its `.dir` listings name it by. */
    md5: text('md5'),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.path] }), index('dataset_files_digest').on(t.versionId, t.digest)],
);

export const datasetAliases = sqliteTable(
  'dataset_aliases',
  {
    datasetId: integer('dataset_id').notNull(),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.alias] })],
);

/**
 * A version being registered in pages: the client names it (so a retried or resumed push finds it again), appends
 * manifest pages, then commits. Committing copies the files into a version and keeps the draft row, with the
 * version it became, so a retried commit answers the same version.
 */
export const datasetDrafts = sqliteTable(
  'dataset_drafts',
  {
    datasetId: integer('dataset_id').notNull(),
    id: text('id').notNull(),
    message: text('message').notNull().default(''),
    tags: text('tags', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
    committedVersion: integer('committed_version'),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.id] })],
);
export type DatasetDraftRow = typeof datasetDrafts.$inferSelect;

export const datasetDraftFiles = sqliteTable(
  'dataset_draft_files',
  {
    datasetId: integer('dataset_id').notNull(),
    draftId: text('draft_id').notNull(),
    path: text('path').notNull(),
    digest: text('digest').notNull(),
    size: integer('size').notNull(),
    md5: text('md5'),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.draftId, t.path] })],
);

/** Which runs read which versions: written when a run logs an input that names a version (native or MLflow). */
export const datasetVersionRuns = sqliteTable(
  'dataset_version_runs',
  {
    versionId: integer('version_id').notNull(),
    runId: text('run_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.runId] }), index('dataset_version_runs_run').on(t.runId)],
);

/** Schema and statistics of a tabular file, computed on first request and kept by content (same bytes, same stats). */
export const datasetTableStats = sqliteTable(
  'dataset_table_stats',
  {
    digest: text('digest').notNull(),
    format: text('format').notNull(),
    stats: text('stats', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.digest, t.format] })],
);
