import type { Signature } from '../../shared/schemas/registry.js';
import { OutpostRuntimeError } from '../errors.js';

/** DESIGN §10 tensors: the dtype follows the array; `dims: []` is a scalar. */
export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
export interface Tensor {
  data: TensorData;
  dims: number[];
}
export interface OutputTensor extends Tensor {
  dtype: string;
}
export type Feeds = Record<string, Tensor>;
export type Outputs = Record<string, OutputTensor>;
/** `model.run`'s options. */
export interface RunOptions {
  /** Transfer the inputs' buffers to the worker instead of copying them: no copy, but your arrays are detached afterwards. */
  transfer?: boolean;
}

/** Which signature dtypes each array type may carry (bool and float16 have no array of their own). */
const ARRAY_DTYPES: Record<string, string[]> = {
  Float32Array: ['float32'],
  Float64Array: ['float64'],
  Int8Array: ['int8'],
  Uint8Array: ['uint8', 'bool'],
  Int16Array: ['int16'],
  Uint16Array: ['uint16', 'float16'],
  Int32Array: ['int32'],
  Uint32Array: ['uint32'],
  BigInt64Array: ['int64'],
  BigUint64Array: ['uint64'],
};

export const arrayType = (data: unknown) => (ArrayBuffer.isView(data) ? data.constructor.name : typeof data);

const describe = (shape: (number | string)[]) => `[${shape.map((d) => (d === -1 ? '?' : d)).join(', ')}]`;

/**
 * Checks feeds against the signature and returns the dtype of each input; the error says what was expected.
 * Dimensions given as -1 or a name accept any size.
 */
export function checkFeeds(feeds: Feeds, signature: Signature, model: string): Record<string, string> {
  if (!feeds || typeof feeds !== 'object') throw new OutpostRuntimeError('bad_feeds', `${model}.run expects an object of inputs { name: { data, dims } }`);
  const dtypes: Record<string, string> = {};
  const expected = signature.inputs.map((i) => `${i.name}: ${i.dtype} ${describe(i.shape)}`).join(', ');
  for (const name of Object.keys(feeds)) {
    if (!signature.inputs.some((i) => i.name === name)) throw new OutpostRuntimeError('bad_feeds', `${model} has no input "${name}" (inputs: ${expected})`);
  }
  for (const spec of signature.inputs) {
    const feed = feeds[spec.name];
    if (!feed) throw new OutpostRuntimeError('bad_feeds', `${model} needs input "${spec.name}" (${spec.dtype} ${describe(spec.shape)}); inputs: ${expected}`);
    const { data, dims } = feed;
    const type = arrayType(data);
    const allowed = ARRAY_DTYPES[type];
    if (!allowed) throw new OutpostRuntimeError('bad_feeds', `input "${spec.name}" must be a typed array (got ${type})`);
    if (!allowed.includes(spec.dtype)) throw new OutpostRuntimeError('bad_feeds', `input "${spec.name}" expects ${spec.dtype} (got ${type}, which is ${allowed.join(' or ')})`);
    if (!Array.isArray(dims) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new OutpostRuntimeError('bad_feeds', `input "${spec.name}" needs dims as an array of non-negative integers (got ${JSON.stringify(dims)})`);
    }
    const shapeOk = spec.shape.length === 0 && dims.length === 0 ? true : dims.length === spec.shape.length && spec.shape.every((s, i) => typeof s !== 'number' || s === -1 || s === dims[i]);
    if (spec.shape.length > 0 && !shapeOk) {
      throw new OutpostRuntimeError('bad_feeds', `input "${spec.name}" expects shape ${describe(spec.shape)} (got dims [${dims.join(', ')}])`);
    }
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new OutpostRuntimeError('bad_feeds', `input "${spec.name}" has ${data.length} values but dims [${dims.join(', ')}] need ${size}`);
    dtypes[spec.name] = spec.dtype;
  }
  return dtypes;
}

/**
 * The tensors to post to a worker and the buffers to transfer with them. By default every array is copied, so the
 * caller's arrays stay usable; with `transfer`, whole buffers move (the caller's arrays are detached) and a view into
 * a larger or already moving buffer is still copied, so the rest of that buffer survives.
 */
export function postable<T extends { data: TensorData; dims: number[] }>(tensors: Record<string, T>, transfer = false): { tensors: Record<string, T>; buffers: ArrayBuffer[] } {
  const out: Record<string, T> = {};
  const buffers: ArrayBuffer[] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const { data, dims } = tensor;
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer && !buffers.includes(data.buffer);
    const moved = transfer && whole ? data : (data.slice() as TensorData);
    buffers.push(moved.buffer as ArrayBuffer);
    out[name] = { ...tensor, data: moved, dims: [...dims] };
  }
  return { tensors: out, buffers };
}
