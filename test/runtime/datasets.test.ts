import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readColumns } from '../../runtime/datasets/table-reader.js';
import type { Table } from '../../runtime/datasets/table.js';
import { tableTensors } from '../../runtime/datasets/tensors.js';
import { trainingDataset } from '../../runtime/training/finetune.js';

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
const table = (columns: Record<string, unknown[]>, types: Table['types'] = {}): Table => ({ format: 'csv', rows: Object.values(columns)[0]!.length, columns, types });

describe('reading a dataset file as a table', () => {
  it('types CSV columns as the hub statistics do: integers, floats, booleans, strings, empty cells as null', async () => {
    const read = await readColumns(bytes('a,b,c,d\n1,0.5,true,x\n2,,false,"y, z"\n'), 'csv');
    expect(read).toEqual({
      ok: true,
      rows: 2,
      columns: { a: [1, 2], b: [0.5, null], c: [true, false], d: ['x', 'y, z'] },
      types: { a: 'int64', b: 'float64', c: 'bool', d: 'string' },
    });
  });

  it('reads JSONL rows into columns, null where a row lacks a key', async () => {
    const read = await readColumns(bytes('{"a":1,"b":"p"}\n\n{"a":2.5}\n'), 'jsonl');
    expect(read).toEqual({ ok: true, rows: 2, columns: { a: [1, 2.5], b: ['p', null] }, types: { a: 'float64', b: 'string' } });
  });

  it('reads Parquet with hyparquet, INT64 as numbers', async () => {
    const file = parquetWriteBuffer({ columnData: [{ name: 'n', data: [BigInt(1), BigInt(2)], type: 'INT64' }, { name: 'v', data: [0.25, 0.75], type: 'DOUBLE' }] } as never);
    const read = await readColumns(file, 'parquet');
    expect(read).toEqual({ ok: true, rows: 2, columns: { n: [1, 2], v: [0.25, 0.75] }, types: { n: 'int64', v: 'float64' } });
  });

  it('answers why a file does not parse instead of throwing a hub error', async () => {
    expect(await readColumns(bytes('a,b\n1\n'), 'csv')).toEqual({ ok: false, message: 'CSV row 2 has 1 cells, the header 2' });
    expect(await readColumns(bytes('{"a":1}\nnope\n'), 'jsonl')).toEqual({ ok: false, message: 'line 2 is not JSON' });
    expect(await readColumns(bytes('not parquet at all'), 'parquet')).toMatchObject({ ok: false, message: expect.stringContaining('not a Parquet file') });
  });
});

describe('tensors from a table for op.finetune', () => {
  const t = table({ f0: [1, 2, 3], f1: [0.5, true, false], label: [0, 1, 2], h0: [1, 0, 0], h1: [0, 1, 1] });

  it('lays x out row-major as float32 [rows, features] and y as [rows, 1], carrying the version', () => {
    const out = tableTensors(t, { x: ['f0', 'f1'], y: 'label' }, 'train.csv of ds/3', 'ds/3');
    expect(out.x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.x.data)).toEqual([1, 0.5, 2, 1, 3, 0]);
    expect(out.x.dims).toEqual([3, 2]);
    expect(Array.from(out.y.data)).toEqual([0, 1, 2]);
    expect(out.y.dims).toEqual([3, 1]);
    expect(out.dataset).toBe('ds/3');
  });

  it('takes one-hot label columns as y of [rows, columns]', () => {
    const out = tableTensors(t, { x: ['f0'], y: ['h0', 'h1'] }, 'p', 'ds/3');
    expect(Array.from(out.y.data)).toEqual([1, 0, 0, 1, 0, 1]);
    expect(out.y.dims).toEqual([3, 2]);
  });

  it('refuses an unknown column, naming it and the columns there are', () => {
    expect(() => tableTensors(t, { x: ['f0', 'nope'], y: 'label' }, 'train.csv of ds/3', 'ds/3')).toThrow('x: train.csv of ds/3 has no column "nope" (columns: f0, f1, label, h0, h1)');
    expect(() => tableTensors(t, { x: [], y: 'label' }, 'p', 'ds/3')).toThrow('x: give a list of column names');
    expect(() => tableTensors(t, { x: 'f0', y: 'label' } as never, 'p', 'ds/3')).toThrow('x: give a list of column names');
  });

  it('refuses a null or text cell, naming the column, its type and the row', () => {
    const holes = table({ a: [1, null, 3], s: ['x', 'y', 'z'], y: [0, 1, 0] }, { a: 'int64', s: 'string', y: 'int64' });
    expect(() => tableTensors(holes, { x: ['a'], y: 'y' }, 'p', 'ds/1')).toThrow('column "a" of p is int64, and row 2 holds null');
    expect(() => tableTensors(holes, { x: ['s'], y: 'y' }, 'p', 'ds/1')).toThrow('column "s" of p is string, and row 1 holds "x"');
  });
});

describe('the dataset a fine-tune records', () => {
  it("takes a ref or a handle's ref, and refuses what is not a dataset ref", () => {
    expect(trainingDataset(undefined)).toBeUndefined();
    expect(trainingDataset('ds/3')).toBe('ds/3');
    expect(trainingDataset({ ref: 'ds/4' })).toBe('ds/4');
    expect(trainingDataset('ds@current')).toBe('ds@current');
    expect(() => trainingDataset('ds/../x')).toThrow();
    expect(() => trainingDataset(3 as never)).toThrow('dataset: give a dataset ref such as "ds/3"');
  });
});
