import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { sql } from 'drizzle-orm';
import { badRequest, notFound } from '../../shared/errors.js';
import type { TablePreview } from '../../shared/schemas/datasets.js';
import { readWholeBlob } from '../blobs/access.js';
import type { ProjectScope, Scope } from '../core/scope.js';
import type { DatasetRow, DatasetVersionRow } from '../db/schema.js';
import { readTable, tableFormatOf } from '../../shared/tables.js';
import { STATS_MAX_BYTES } from './stats.js';

/** A preview cell longer than this (a long string, or a nested value's JSON) is cut, ending in "…". */
export const PREVIEW_CELL_CHARS = 500;

/** A file of a version by path: its digest and size, or 404 naming it. */
export async function versionFile({ db }: ProjectScope, dataset: DatasetRow, version: DatasetVersionRow, path: string) {
  const [file] = await db.all<{ digest: string; size: number }>(sql`select digest, size from dataset_files where version_id = ${version.id} and path = ${path}`);
  if (!file) throw notFound(`${dataset.name}/${version.version} has no file ${JSON.stringify(path)}`);
  return { digest: file.digest, size: Number(file.size) };
}

/**
 * The first `limit` rows of a tabular file (CSV, JSONL, Parquet by extension) as JSON-safe cells. Like statistics,
 * a file over STATS_MAX_BYTES or that does not parse answers with the reason in `error`; a path that is not tabular
 * by its extension is a 400. Parquet reads only the row groups holding those rows; CSV and JSONL are parsed whole.
 */
export async function tablePreview(scope: Scope, dataset: DatasetRow, version: DatasetVersionRow, path: string, limit: number): Promise<TablePreview> {
  const format = tableFormatOf(path);
  if (!format) throw badRequest(`path ${JSON.stringify(path)} is not a tabular file: previews are for .csv, .jsonl (.ndjson) and .parquet files`);
  const file = await versionFile(scope, dataset, version, path);
  const reply = { path, digest: file.digest, format };
  const failed = (error: string): TablePreview => ({ ...reply, columns: [], rows: [], total: null, error });
  if (file.size > STATS_MAX_BYTES) return failed(`the file has ${file.size} bytes; previews are read from files up to ${STATS_MAX_BYTES} bytes`);
  const bytes = await readWholeBlob(scope.blobs, file.digest);
  try {
    const { columns, rows, total } = format === 'parquet' ? await parquetHead(bytes, limit) : headOf(await readTable(bytes, format, new Map()), limit);
    return { ...reply, columns, rows: rows.map((r) => r.map(jsonCell)), total, error: null };
  } catch (err) {
    return failed(`could not read the file as ${format}: ${(err as Error).message.replace(/^file: /, '')}`);
  }
}

type Head = { columns: string[]; rows: unknown[][]; total: number };

function headOf(columns: Record<string, unknown[]>, limit: number): Head {
  const names = Object.keys(columns);
  const total = names.length ? columns[names[0]!]!.length : 0;
  const rows = Array.from({ length: Math.min(limit, total) }, (_, i) => names.map((n) => columns[n]![i]));
  return { columns: names, rows, total };
}

async function parquetHead(bytes: Uint8Array, limit: number): Promise<Head> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const objects = await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd: limit });
  return { columns, rows: objects.map((o) => columns.map((n) => o[n])), total: Number(metadata.num_rows) };
}

/** A cell as JSON can carry it: bigints outside the safe range as decimal strings, dates as epoch ms, long values cut. */
function jsonCell(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return v.length > PREVIEW_CELL_CHARS ? `${v.slice(0, PREVIEW_CELL_CHARS - 1)}…` : v;
  if (typeof v === 'boolean') return v;
  const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x));
  return json.length > PREVIEW_CELL_CHARS ? `${json.slice(0, PREVIEW_CELL_CHARS - 1)}…` : JSON.parse(json);
}
