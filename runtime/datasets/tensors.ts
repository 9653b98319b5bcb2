import { OutpostRuntimeError } from '../errors.js';
import type { TrainingTensor } from '../training/protocol.js';
import type { Table } from './table.js';

export interface TensorColumns {
  /** Feature columns, in order: x is [rows, x.length]. */
  x: string[];
  /** The label column (y is [rows, 1]: integer labels for a softmax model, targets for regression), or one-hot columns (y is [rows, y.length]). */
  y: string | string[];
}

/** Feeds for op.finetune, with the dataset version they came from (op.finetune records it as the run's input). */
export interface DatasetTensors {
  x: TrainingTensor & { data: Float32Array };
  y: TrainingTensor & { data: Float32Array };
  /** `ds/3`: the version the rows were read from. */
  dataset: string;
}

function columnsOf(table: Table, names: unknown, what: string, where: string): string[] {
  const list = typeof names === 'string' && what === 'y' ? [names] : names;
  if (!Array.isArray(list) || list.length === 0 || !list.every((n) => typeof n === 'string')) {
    throw new OutpostRuntimeError('bad_feeds', `${what}: give ${what === 'y' ? 'a column name or a list of column names' : 'a list of column names'} (got ${JSON.stringify(names)})`);
  }
  for (const name of list) {
    if (!(name in table.columns)) throw new OutpostRuntimeError('bad_feeds', `${what}: ${where} has no column "${name}" (columns: ${Object.keys(table.columns).join(', ')})`);
  }
  return list;
}

/** Row-major float32 values of the columns; booleans are 0 and 1, anything else that is not a finite number is refused by row. */
function matrix(table: Table, names: string[], where: string): Float32Array {
  const out = new Float32Array(table.rows * names.length);
  names.forEach((name, j) => {
    const values = table.columns[name]!;
    for (let i = 0; i < table.rows; i++) {
      const v = values[i];
      const n = typeof v === 'boolean' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        throw new OutpostRuntimeError('bad_feeds', `column "${name}" of ${where} is ${table.types[name]}, and row ${i + 1} holds ${JSON.stringify(v)}: tensors need finite numbers (or booleans) in every row; drop or fill such rows first`);
      }
      out[i * names.length + j] = n;
    }
  });
  return out;
}

/** A table's columns as op.finetune's x (float32 [rows, features]) and y (float32 [rows, 1] or [rows, one-hot width]). */
export function tableTensors(table: Table, columns: TensorColumns, where: string, dataset: string): DatasetTensors {
  if (!columns || typeof columns !== 'object') throw new OutpostRuntimeError('bad_feeds', 'tensors needs { x: [feature columns], y: label column }');
  const x = columnsOf(table, columns.x, 'x', where);
  const y = columnsOf(table, columns.y, 'y', where);
  if (table.rows === 0) throw new OutpostRuntimeError('bad_feeds', `${where} has no rows to train on`);
  return {
    x: { data: matrix(table, x, where), dims: [table.rows, x.length] },
    y: { data: matrix(table, y, where), dims: [table.rows, y.length] },
    dataset,
  };
}
