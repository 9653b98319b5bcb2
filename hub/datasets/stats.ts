import { DATASET_LIMITS } from '../../shared/schemas/datasets.js';
import { and, eq, sql } from 'drizzle-orm';
import type { Digest } from '../../shared/digest.js';
import { badRequest, notFound } from '../../shared/errors.js';
import type { ColumnStats, TableStats } from '../../shared/schemas/datasets.js';
import type { Scope } from '../core/scope.js';
import { datasetTableStats, type DatasetRow, type DatasetVersionRow } from '../db/schema.js';
import { columnType, readTable, tableFormatOf, typedCsv, type TableFormat } from '../../shared/tables.js';

/** The largest tabular file whose statistics are computed: the hub reads the whole file into memory to parse it. */
export const STATS_MAX_BYTES = DATASET_LIMITS.statsBytes;
/** Distinct counts are exact up to this many values, estimated (k minimum values) beyond. */
const KMV_K = 1024;


type Computed = Omit<TableStats, 'path' | 'digest' | 'format'>;

/**
 * The schema and statistics of a tabular file of a version (CSV, JSONL, Parquet by extension), computed on the first
 * request and kept by content, so every version and project holding the same bytes reads them back. A file that
 * does not parse, or is over STATS_MAX_BYTES, gets its reason in `error`, not a failed request.
 */
export async function tableStats(scope: Scope, dataset: DatasetRow, version: DatasetVersionRow, path: string): Promise<TableStats> {
  const format = tableFormatOf(path);
  if (!format) throw badRequest(`path ${JSON.stringify(path)} is not a tabular file: statistics are for .csv, .jsonl (.ndjson) and .parquet files`);
  const [file] = await scope.db.all<{ digest: string; size: number }>(sql`select digest, size from dataset_files where version_id = ${version.id} and path = ${path}`);
  if (!file) throw notFound(`${dataset.name}/${version.version} has no file ${JSON.stringify(path)}`);
  const [kept] = await scope.db
    .select()
    .from(datasetTableStats)
    .where(and(eq(datasetTableStats.digest, file.digest), eq(datasetTableStats.format, format)));
  const computed = kept ? (kept.stats as unknown as Computed) : await compute(scope, file.digest as Digest, Number(file.size), format);
  if (!kept) {
    await scope.db
      .insert(datasetTableStats)
      .values({ digest: file.digest, format, stats: computed as unknown as Record<string, unknown>, createdAt: scope.now() })
      .onConflictDoNothing();
  }
  return { path, digest: file.digest, format, ...computed };
}

async function compute(scope: Scope, digest: Digest, size: number, format: TableFormat): Promise<Computed> {
  const failed = (error: string): Computed => ({ rows: null, columns: [], error });
  if (size > STATS_MAX_BYTES) return failed(`the file has ${size} bytes; statistics are computed for files up to ${STATS_MAX_BYTES} bytes`);
  const stream = await scope.blobs.read(digest);
  if (!stream) return failed('the file\'s bytes are not in the blob store');
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let columns: Record<string, unknown[]>;
  try {
    columns = await readTable(bytes, format, new Map());
  } catch (err) {
    return failed(`could not read the file as ${format}: ${(err as Error).message.replace(/^file: /, '')}`);
  }
  const names = Object.keys(columns);
  const rows = names.length ? columns[names[0]!]!.length : 0;
  return { rows, columns: names.map((name) => columnStats(name, columns[name]!, format === 'csv')), error: null };
}

export function columnStats(name: string, raw: unknown[], csv: boolean): ColumnStats {
  const values = csv ? typedCsv(raw) : raw;
  const type = columnType(values);
  let nulls = 0;
  let min: number | string | boolean | null = null;
  let max: number | string | boolean | null = null;
  let sum = 0;
  let counted = 0;
  const distinct = new DistinctEstimate();
  for (const v of values) {
    if (v === null || v === undefined) {
      nulls++;
      continue;
    }
    distinct.add(typeof v === 'object' ? JSON.stringify(v) : `${typeof v}:${String(v)}`);
    if (type === 'json') continue;
    if (typeof v === 'number') (sum += v), counted++;
    const scalar = v as number | string | boolean;
    if (min === null || scalar < min) min = scalar;
    if (max === null || scalar > max) max = scalar;
  }
  return { name, type, nulls, min, max, mean: counted ? sum / counted : null, distinct: distinct.count() };
}

/** K minimum values over a 32-bit FNV-1a hash: exact below K distinct values, an estimate (±~3%) above. */
class DistinctEstimate {
  private smallest: number[] = [];
  private members = new Set<number>();

  add(key: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h >>>= 0;
    if (this.members.has(h)) return;
    const full = this.smallest.length >= KMV_K;
    if (full && h >= this.smallest[this.smallest.length - 1]!) return;
    let lo = 0;
    let hi = this.smallest.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.smallest[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    this.smallest.splice(lo, 0, h);
    this.members.add(h);
    if (full) this.members.delete(this.smallest.pop()!);
  }

  count(): number {
    if (this.smallest.length < KMV_K) return this.smallest.length;
    return Math.round((KMV_K - 1) / ((this.smallest[KMV_K - 1]! + 1) / 2 ** 32));
  }
}
