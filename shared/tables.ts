/** Reading table files (CSV, JSONL, Parquet) into columns: the hub's feature sources and dataset statistics, and the browser runtime's `table()`. */
import { parquetReadObjects } from 'hyparquet';
import { badRequest } from './errors.js';
import type { FeatureDtype } from './schemas/features.js';
import type { TableFormat } from './table-format.js';

export { tableFormatOf, type TableFormat } from './table-format.js';

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
    throw badRequest(`file: not a Parquet file that can be read (${(err as Error).message})`);
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

/** A column's type as the hub's statistics name it. */
export type ColumnType = 'int64' | 'float64' | 'bool' | 'string' | 'json' | 'null';

/** CSV cells are strings: a column whose every cell reads as one type is that type. */
export function typedCsv(values: unknown[]): unknown[] {
  const cells = values.filter((v) => v !== null) as string[];
  if (cells.every((s) => /^-?\d+$/.test(s))) return values.map((v) => (v === null ? null : Number(v)));
  if (cells.every((s) => s.trim() !== '' && Number.isFinite(Number(s)))) return values.map((v) => (v === null ? null : Number(v)));
  if (cells.every((s) => /^(true|false)$/i.test(s))) return values.map((v) => (v === null ? null : /^true$/i.test(v as string)));
  return values;
}

/** A column's type from its values: int64 when every number is an integer, json when kinds mix. */
export function columnType(values: unknown[]): ColumnType {
  const kinds = new Set(values.filter((v) => v !== null && v !== undefined).map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'int64' : 'float64') : typeof v)));
  if (kinds.size === 0) return 'null';
  if ([...kinds].every((k) => k === 'int64' || k === 'float64')) return kinds.has('float64') ? 'float64' : 'int64';
  if (kinds.size > 1) return 'json';
  const [kind] = kinds;
  return kind === 'string' ? 'string' : kind === 'boolean' ? 'bool' : 'json';
}
