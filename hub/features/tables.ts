import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { badRequest } from '../../shared/errors.js';
import type { FeatureDtype } from '../../shared/schemas/features.js';

export type TableFormat = 'csv' | 'jsonl' | 'parquet';
type Columns = Record<string, unknown[]>;

/** How a CSV cell is read for a column: by the field's type where the view has one, as a timestamp string otherwise. */
export type CellType = FeatureDtype | 'timestamp';

/**
 * A table file's rows as columns (a push's `df`), so one check serves pushes and files. CSV cells are typed by
 * `types` (a column the view does not know stays a string and is refused later by name); JSONL and Parquet carry
 * their own types. Parquet's INT64 (bigint) becomes a number when it is a safe integer, and its timestamps epoch ms.
 */
export async function readTable(bytes: Uint8Array, format: TableFormat, types: Map<string, CellType>): Promise<Columns> {
  if (format === 'parquet') return fromRows(await readParquet(bytes));
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (format === 'jsonl') return fromRows(readJsonl(text));
  return readCsv(text, types);
}

async function readParquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return (await parquetReadObjects({ file })).map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) out[k] = plain(v);
      return out;
    });
  } catch (err) {
    throw badRequest(`file: not a Parquet file this hub can read (${(err as Error).message})`);
  }
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function readJsonl(text: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (!raw.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw badRequest(`file: line ${line} is not JSON`);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw badRequest(`file: line ${line} is not a JSON object`);
    rows.push(row as Record<string, unknown>);
  }
  return rows;
}

/** Rows to columns; a column a row lacks is null there. */
function fromRows(rows: Record<string, unknown>[]): Columns {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  const out: Columns = {};
  for (const name of names) out[name] = rows.map((r) => r[name] ?? null);
  return out;
}

/** RFC 4180 records in one pass: quoted cells may hold commas, quotes ("") and line breaks. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') record.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      if (record.length > 1 || record[0] !== '') records.push(record);
      (record = []), (cell = '');
    } else cell += ch;
  }
  if (quoted) throw badRequest('file: a quoted CSV cell is never closed');
  record.push(cell);
  if (record.length > 1 || record[0] !== '') records.push(record);
  return records;
}

const CSV_CELL: Record<CellType, (s: string) => unknown> = {
  int64: (s) => (/^-?\d+$/.test(s) ? Number(s) : s),
  float64: (s) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s),
  bool: (s) => (/^(true|1)$/i.test(s) ? true : /^(false|0)$/i.test(s) ? false : s),
  string: (s) => s,
  'float32[]': (s) => {
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  },
  timestamp: (s) => (/^-?\d+$/.test(s) ? Number(s) : s),
};

function readCsv(text: string, types: Map<string, CellType>): Columns {
  const [header, ...records] = csvRecords(text);
  if (!header) throw badRequest('file: the CSV file is empty (it needs a header row)');
  const out: Columns = Object.fromEntries(header.map((h) => [h, new Array<unknown>(records.length)]));
  records.forEach((r, i) => {
    if (r.length !== header.length) throw badRequest(`file: CSV row ${i + 2} has ${r.length} cells, the header ${header.length}`);
    header.forEach((h, j) => {
      const s = r[j]!;
      const type = types.get(h);
      // An empty cell is null, except in a string column, where it is the empty string.
      out[h]![i] = s === '' && type !== 'string' ? null : type ? CSV_CELL[type](s) : s;
    });
  });
  return out;
}

const PARQUET_TYPE: Record<FeatureDtype, string> = { int64: 'INT64', float64: 'DOUBLE', string: 'STRING', bool: 'BOOLEAN', 'float32[]': 'JSON' };

/**
 * Columns as a Parquet file: features by their field types (int64 as INT64, float32[] as JSON), `event_timestamp`
 * as a timestamp, other columns typed when all their values share a JSON type, else JSON.
 */
export function toParquet(columns: Columns, dtypes: Map<string, FeatureDtype>): Uint8Array {
  const columnData = Object.entries(columns).map(([name, data]) => {
    const dtype = dtypes.get(name);
    if (dtype === 'int64') return { name, data: data.map((v) => (v === null || v === undefined ? null : BigInt(v as number))), type: 'INT64' };
    if (dtype) return { name, data, type: PARQUET_TYPE[dtype] };
    return { name, data, type: guessType(data) };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData } as Parameters<typeof parquetWriteBuffer>[0]));
}

function guessType(data: unknown[]): string {
  const kinds = new Set(data.filter((v) => v !== null && v !== undefined).map((v) => typeof v));
  if (kinds.size !== 1) return kinds.size === 0 ? 'STRING' : 'JSON';
  return ({ string: 'STRING', number: 'DOUBLE', boolean: 'BOOLEAN' } as Record<string, string>)[[...kinds][0]!] ?? 'JSON';
}
