export type TableFormat = 'csv' | 'jsonl' | 'parquet';

const FORMATS: Record<string, TableFormat> = { csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl', parquet: 'parquet' };

/** Tabular files are known by extension: .csv, .jsonl / .ndjson, .parquet (apart from the readers, so a browser bundle can ask without loading them). */
export const tableFormatOf = (path: string): TableFormat | null => FORMATS[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? null;
