import type { ColumnType } from '../../shared/tables.js';
import { tableFormatOf, type TableFormat } from '../../shared/table-format.js';
import { importAsset } from '../assets.js';
import { OutpostRuntimeError } from '../errors.js';
import type { readColumns } from './table-reader.js';

/** A tabular file as columns: `columns.age[3]` is the fourth row's age. Types are named as the hub's statistics name them. */
export interface Table {
  format: TableFormat;
  rows: number;
  columns: Record<string, unknown[]>;
  types: Record<string, ColumnType>;
}

export const TABLE_READER = 'tables.js';

/** CSV, JSONL or Parquet bytes (by the path's extension) as columns, read by the hub's reader loaded from the hub (Cache API offline). */
export async function parseTable(assetBase: string, bytes: ArrayBuffer, path: string, ref: string): Promise<Table> {
  const format = tableFormatOf(path);
  if (!format) throw new OutpostRuntimeError('bad_request', `${path} of ${ref} is not a tabular file: table() reads .csv, .jsonl (.ndjson) and .parquet files`);
  const reader = await importAsset<{ readColumns: typeof readColumns }>(assetBase, TABLE_READER);
  const read = await reader.readColumns(bytes, format);
  if (!read.ok) throw new OutpostRuntimeError('bad_request', `${path} of ${ref} could not be read as ${format}: ${read.message}`);
  return { format, rows: read.rows, columns: read.columns, types: read.types };
}
