import { parquetWriteBuffer } from 'hyparquet-writer';
import type { FeatureDtype } from '../../shared/schemas/features.js';

export { readTable, type CellType, type TableFormat } from '../../shared/tables.js';
type Columns = Record<string, unknown[]>;

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
