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
import { readTable, type CellType } from './tables.js';

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
 * The table files to load for an apply: each file-sourced view that is new, changed (its definition or its file),
 * or broken. Every file is read and every row checked before anything is written, so a bad file refuses the whole
 * apply (400 naming the view, column and row) and leaves stored definitions and rows as they were.
 */
export async function fileLoads(scope: Scope, views: FeatureViewDef[], entities: EntityDef[], stored: FeatureViewRow[], broken: string[]): Promise<FileLoad[]> {
  const before = new Map(stored.map((r) => [r.name, r]));
  const entityMap = new Map(entities.map((e) => [e.name, e]));
  const loads: FileLoad[] = [];
  for (const def of views) {
    if (!('file' in def.source)) continue;
    const old = before.get(def.name);
    const unchanged = old && old.loadedFile === def.source.file && JSON.stringify(old.definition) === JSON.stringify(def) && !broken.includes(def.name);
    if (unchanged) continue;
    const where = `feature_views.${def.name}.source.file`;
    const joinKeys = joinKeysOf(def, entityMap);
    const types = new Map<string, CellType>([
      ...joinKeys.map((k) => [k.name, k.type] as const),
      [def.timestamp_field, 'timestamp'],
      ...(def.created_timestamp_column ? [[def.created_timestamp_column, 'timestamp'] as const] : []),
      ...def.schema.map((f) => [f.name, f.dtype] as const),
    ]);
    const df = await readTable(await readBlob(scope, def.source.file, where), def.source.format, types);
    const view: ResolvedView = { row: old ?? ({} as FeatureViewRow), def, joinKeys, fields: new Map(def.schema.map((f) => [f.name, f.dtype])) };
    try {
      loads.push({ view: def.name, file: def.source.file, rows: rowsOfFrame(view, df, FILE_ROW_LIMIT) });
    } catch (err) {
      if (err instanceof OutpostError) throw new OutpostError(err.status, err.code, `${where} (${def.source.format}): ${err.message}`, err.details);
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
