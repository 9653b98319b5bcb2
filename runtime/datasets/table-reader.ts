/**
 * The table reader, built apart as `/runtime/tables.js` and imported on the first `table()`: hyparquet and the CSV and
 * JSONL readers (shared/tables.ts, the hub's own) stay out of the script-tag bundle of pages that never read a table.
 */
import { OutpostError } from '../../shared/errors.js';
import { columnType, readTable, typedCsv, type ColumnType, type TableFormat } from '../../shared/tables.js';

export type TableRead = { ok: true; rows: number; columns: Record<string, unknown[]>; types: Record<string, ColumnType> } | { ok: false; message: string };

/** Columns and their types (CSV columns typed as the hub's statistics type them); a file that does not parse answers why. */
export async function readColumns(bytes: ArrayBuffer, format: TableFormat): Promise<TableRead> {
  let columns: Record<string, unknown[]>;
  try {
    columns = await readTable(new Uint8Array(bytes), format, new Map());
  } catch (err) {
    // Errors cross the module boundary as text: this bundle's error classes are not the caller's.
    if (err instanceof OutpostError) return { ok: false, message: err.message.replace(/^file: /, '') };
    throw err;
  }
  if (format === 'csv') for (const name of Object.keys(columns)) columns[name] = typedCsv(columns[name]!);
  const names = Object.keys(columns);
  const types = Object.fromEntries(names.map((name) => [name, columnType(columns[name]!)]));
  return { ok: true, rows: names.length ? columns[names[0]!]!.length : 0, columns, types };
}
