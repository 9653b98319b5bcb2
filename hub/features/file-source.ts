import { and, eq } from 'drizzle-orm';
import { isDigest } from '../../shared/digest.js';
import { badRequest, conflict, OutpostError } from '../../shared/errors.js';
import type { EntityDef, FeatureViewDef } from '../../shared/schemas/features.js';
import { findProjectBlob, readWholeBlob } from '../blobs/access.js';
import type { Scope } from '../core/scope.js';
import { rowsOfFrame } from './push.js';
import { joinKeysOf, type ResolvedView } from './registry.js';
import { featureOnline, featureRows, featureViews, type FeatureViewRow } from './schema.js';
import { offlineInserts, type StoredRow } from './store.js';
import { readTable, type CellType, type TableFormat } from './tables.js';
import { resolveRef } from '../datasets/datasets.js';
import { datasetFiles } from '../datasets/schema.js';
import { tableFormatOf } from '../datasets/stats.js';

/** The largest table file a view may load (it is read whole). */
export const FILE_BYTE_LIMIT = 64 * 1024 * 1024;
/** Rows one table file may hold. */
export const FILE_ROW_LIMIT = 2_000_000;

/** A file-sourced view's rows, read and checked, ready to replace what the view held. */
export interface FileLoad {
  view: string;
  file: string;
  rows: StoredRow[];
}

async function readBlob(scope: Scope, digest: string, where: string): Promise<Uint8Array> {
  if (!isDigest(digest)) throw badRequest(`${where}: "${digest}" is not a blob digest`);
  const blob = await findProjectBlob(scope, digest);
  if (!blob) throw conflict(`${where}: upload the file first: blob ${digest} is not in this project`, { missing: [digest] });
  if (blob.size > FILE_BYTE_LIMIT) throw badRequest(`${where}: the file is ${blob.size} bytes, over the limit of ${FILE_BYTE_LIMIT} bytes a table file; split it or push its rows`);
  return readWholeBlob(scope.blobs, digest);
}

/**
 * The table file a view reads: its `file`, or the file at `path` in a dataset version (an alias or bare name is
 * resolved at each apply, so applying again loads the version it points to then). Null for a push source.
 */
async function sourceFile(scope: Scope, def: FeatureViewDef): Promise<{ where: string; file: string; format: TableFormat } | null> {
  const { source } = def;
  if ('file' in source) return { where: `feature_views.${def.name}.source.file`, file: source.file, format: source.format };
  if (!('dataset' in source)) return null;
  const where = `feature_views.${def.name}.source.dataset`;
  const format = tableFormatOf(source.path);
  if (!format) throw badRequest(`${where}: "${source.path}" is not a table file (.csv, .jsonl, .ndjson or .parquet)`);
  try {
    const { dataset, version } = await resolveRef(scope, source.dataset);
    const [entry] = await scope.db.select({ digest: datasetFiles.digest }).from(datasetFiles).where(and(eq(datasetFiles.versionId, version.id), eq(datasetFiles.path, source.path)));
    if (!entry) throw badRequest(`${where}: ${dataset.name}/${version.version} has no file "${source.path}"`);
    return { where, file: entry.digest, format };
  } catch (err) {
    if (!(err instanceof OutpostError) || err.message.startsWith(where)) throw err;
    throw new OutpostError(err.status, err.code, `${where}: ${err.message}`, err.details);
  }
}

/**
 * The table files to load for an apply: each file-sourced view that is new, changed (its definition or its file),
 * or broken. Every file is read and every row checked before anything is written, so a bad file refuses the whole
 * apply (400 naming the view, column and row) and leaves stored definitions and rows as they were.
 */
export async function fileLoads(scope: Scope, views: FeatureViewDef[], entities: EntityDef[], stored: FeatureViewRow[], broken: string[]): Promise<FileLoad[]> {
  const before = new Map(stored.map((r) => [r.name, r]));
  const entityMap = new Map(entities.map((e) => [e.name, e]));
  const loads: FileLoad[] = [];
  for (const def of views) {
    const source = await sourceFile(scope, def);
    if (!source) continue;
    const old = before.get(def.name);
    const unchanged = old && old.loadedFile === source.file && JSON.stringify(old.definition) === JSON.stringify(def) && !broken.includes(def.name);
    if (unchanged) continue;
    const { where, file, format } = source;
    const joinKeys = joinKeysOf(def, entityMap);
    const types = new Map<string, CellType>([
      ...joinKeys.map((k) => [k.name, k.type] as const),
      [def.timestamp_field, 'timestamp'],
      ...(def.created_timestamp_column ? [[def.created_timestamp_column, 'timestamp'] as const] : []),
      ...def.schema.map((f) => [f.name, f.dtype] as const),
    ]);
    const df = await readTable(await readBlob(scope, file, where), format, types);
    const view: ResolvedView = { row: old ?? ({} as FeatureViewRow), def, joinKeys, fields: new Map(def.schema.map((f) => [f.name, f.dtype])) };
    try {
      loads.push({ view: def.name, file, rows: rowsOfFrame(view, df, FILE_ROW_LIMIT) });
    } catch (err) {
      if (err instanceof OutpostError) throw new OutpostError(err.status, err.code, `${where} (${format}): ${err.message}`, err.details);
      throw err;
    }
  }
  return loads;
}

/** Statements replacing a view's stored rows with its file's: the offline store gets the file, the online store is emptied until the next materialization. */
export function fileLoadStatements(scope: Pick<Scope, 'db' | 'projectId'>, load: FileLoad) {
  const { db, projectId } = scope;
  const mine = <T extends typeof featureRows | typeof featureOnline>(t: T) => and(eq(t.projectId, projectId), eq(t.view, load.view));
  return [
    db.delete(featureRows).where(mine(featureRows)),
    db.delete(featureOnline).where(mine(featureOnline)),
    ...offlineInserts(db, projectId, load.view, load.rows),
    db.update(featureViews).set({ loadedFile: load.file, materializedUntil: null }).where(and(eq(featureViews.projectId, projectId), eq(featureViews.name, load.view))),
  ];
}
