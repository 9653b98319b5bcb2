import type { Signature, TensorSpec } from '../registry/schema.js';
import { arrayOf, DATATYPES, datatypeOf, isServedDatatype, toHalf, type DatatypeName, type TensorArray } from '../../shared/serving/datatypes.js';
import type { HostTensors } from './engine.js';
import { invalid, type InferRequest, type RequestInput } from './protocol.js';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isDims = (x: unknown): x is number[] => Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0);

const utf8 = new TextDecoder();

/** Splits the body into the JSON header and the binary tensor data after it (`Inference-Header-Content-Length`). */
export function splitBody(body: Uint8Array, headerLength: string | undefined): { request: InferRequest; binary: Uint8Array } {
  let jsonLength = body.byteLength;
  if (headerLength !== undefined) {
    jsonLength = Number(headerLength);
    if (!/^\d+$/.test(headerLength.trim()) || jsonLength > body.byteLength) {
      throw invalid(`Inference-Header-Content-Length must be the byte length of the JSON at the start of the body, at most ${body.byteLength} (got "${headerLength}")`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(body.subarray(0, jsonLength)));
  } catch (err) {
    throw invalid(`the request is not JSON: ${(err as Error).message}`);
  }
  return { request: checkRequest(json), binary: body.subarray(jsonLength) };
}

/** The request's JSON types, each problem named by its path. */
function checkRequest(json: unknown): InferRequest {
  if (!isObject(json)) throw invalid('the request must be a JSON object with "inputs"');
  if (json.id !== undefined && typeof json.id !== 'string') throw invalid('id must be a string');
  if (json.parameters !== undefined && !isObject(json.parameters)) throw invalid('parameters must be an object');
  if (!Array.isArray(json.inputs) || json.inputs.length === 0) throw invalid('inputs must be a non-empty list of tensors {name, shape, datatype, data}');
  json.inputs.forEach((input: unknown, i) => {
    const at = `inputs[${i}]`;
    if (!isObject(input)) throw invalid(`${at} must be an object {name, shape, datatype, data}`);
    if (typeof input.name !== 'string') throw invalid(`${at}.name must be a string`);
    if (!isDims(input.shape)) throw invalid(`${at}.shape must be a list of non-negative integers (input "${input.name}")`);
    if (typeof input.datatype !== 'string') throw invalid(`${at}.datatype must be a string such as FP32 (input "${input.name}")`);
    if (input.parameters !== undefined && !isObject(input.parameters)) throw invalid(`${at}.parameters must be an object (input "${input.name}")`);
  });
  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs)) throw invalid('outputs must be a list of {name}');
    json.outputs.forEach((output: unknown, i) => {
      if (!isObject(output) || typeof output.name !== 'string') throw invalid(`outputs[${i}] must be an object with a string "name"`);
      if (output.parameters !== undefined && !isObject(output.parameters)) throw invalid(`outputs[${i}].parameters must be an object`);
    });
  }
  return json as unknown as InferRequest;
}

const describe = (spec: TensorSpec) => `${spec.name}: ${datatypeOf(spec.dtype)} [${spec.shape.map((d) => (typeof d === 'number' ? d : -1)).join(', ')}]`;

/** Flattens row-major nested lists; a scalar stands for itself. */
function flatten(data: unknown, into: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const d of data) flatten(d, into);
  else into.push(data);
  return into;
}

/** JSON values into a typed array, each checked against the datatype. */
function fromJson(input: RequestInput, name: DatatypeName, values: unknown[]): TensorArray {
  const out = arrayOf(name, values.length);
  const { range } = DATATYPES[name] as { range?: [number, number] };
  const bad = (i: number, what: string) => invalid(`input "${input.name}" value ${JSON.stringify(values[i])} at index ${i} is not ${what}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (name === 'BOOL') {
      if (typeof v !== 'boolean') throw bad(i, 'true or false (BOOL)');
      out[i] = v ? 1 : 0;
    } else if (typeof v !== 'number') {
      throw bad(i, `a number (${name})`);
    } else if (range) {
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) throw bad(i, `an integer from ${range[0]} to ${range[1]} (${name})`);
      out[i] = (name === 'INT64' || name === 'UINT64' ? BigInt(v) : v) as never;
    } else {
      out[i] = name === 'FP16' ? toHalf(v) : v;
    }
  }
  return out;
}

export interface InferInputs {
  feeds: HostTensors;
  /** Rows of the first dimension every input shares; null when they differ or an input is a scalar. */
  rows: number | null;
  /** The outputs to return, each with whether it goes as binary data. */
  outputs: { name: string; binary: boolean }[];
}

/**
 * The request's tensors checked against the model's signature, before anything runs (a bad request in a batch fails
 * alone): names, datatypes, shapes, value counts and binary sizes, each refusal naming the input and what it expects.
 */
export function readInputs(request: InferRequest, binary: Uint8Array, signature: Signature, label: string): InferInputs {
  const expected = () => signature.inputs.map(describe).join(', ');
  const seen = new Set<string>();
  for (const input of request.inputs) {
    if (!signature.inputs.some((s) => s.name === input.name)) throw invalid(`${label} has no input "${input.name}" (inputs: ${expected()})`);
    if (seen.has(input.name)) throw invalid(`input "${input.name}" is given twice`);
    seen.add(input.name);
  }
  const missing = signature.inputs.find((s) => !seen.has(s.name));
  if (missing) throw invalid(`${label} needs input "${missing.name}" (inputs: ${expected()})`);

  const feeds: HostTensors = {};
  let offset = 0;
  for (const input of request.inputs) {
    const spec = signature.inputs.find((s) => s.name === input.name)!;
    const want = datatypeOf(spec.dtype);
    if (!isServedDatatype(want)) throw invalid(`input "${input.name}" is ${want}, which this hub does not serve`);
    if (input.datatype !== want) throw invalid(`input "${input.name}" is ${want} for ${label} (got ${input.datatype})`);
    const fits = spec.shape.length === input.shape.length && spec.shape.every((d, i) => typeof d !== 'number' || d === -1 || d === input.shape[i]);
    if (!fits) throw invalid(`input "${input.name}" has shape [${input.shape.join(', ')}]; ${label} expects ${describe(spec)} (-1: any size)`);
    const count = input.shape.reduce((a, b) => a * b, 1);
    const size = input.parameters?.binary_data_size;
    let data: TensorArray;
    if (size !== undefined) {
      const bytes = count * DATATYPES[want].bytes;
      if (size !== bytes) throw invalid(`input "${input.name}" has binary_data_size ${JSON.stringify(size)}; shape [${input.shape.join(', ')}] of ${want} needs ${bytes} bytes`);
      if (offset + bytes > binary.byteLength) throw invalid(`input "${input.name}" needs ${bytes} bytes of binary data but only ${binary.byteLength - offset} follow the JSON`);
      // A view of the body where the bytes sit aligned for their type (no copy of a large tensor); a copy otherwise.
      const { array, bytes: width } = DATATYPES[want];
      const at = binary.byteOffset + offset;
      data = at % width === 0 ? new array(binary.buffer as ArrayBuffer, at, count) : arrayOf(want, count, binary.subarray(offset, offset + bytes));
      offset += bytes;
    } else {
      if (input.data === undefined) throw invalid(`input "${input.name}" has no data (give "data", or parameters.binary_data_size with the bytes after the JSON)`);
      const values = flatten(input.data);
      if (values.length !== count) throw invalid(`input "${input.name}" has ${values.length} values but shape [${input.shape.join(', ')}] needs ${count}`);
      data = fromJson(input, want, values);
    }
    feeds[input.name] = { dtype: spec.dtype, dims: input.shape, data };
  }
  if (offset !== binary.byteLength) throw invalid(`${binary.byteLength - offset} bytes of binary data follow the JSON that no input claims with binary_data_size`);

  const firsts = new Set(request.inputs.map((i) => (i.shape.length ? i.shape[0] : -1)));
  const rows = firsts.size === 1 && !firsts.has(-1) ? [...firsts][0]! : null;
  return { feeds, rows, outputs: chosenOutputs(request, signature, label) };
}

/** `outputs[]` picks outputs (all when absent); binary per output's `binary_data`, else the request's `binary_data_output`. */
function chosenOutputs(request: InferRequest, signature: Signature, label: string): InferInputs['outputs'] {
  const byDefault = request.parameters?.binary_data_output === true;
  if (!request.outputs?.length) return signature.outputs.map((o) => ({ name: o.name, binary: byDefault }));
  const names = signature.outputs.map((o) => o.name);
  return request.outputs.map((o) => {
    if (!names.includes(o.name)) throw invalid(`${label} has no output "${o.name}" (outputs: ${names.join(', ')})`);
    const flag = o.parameters?.binary_data;
    return { name: o.name, binary: typeof flag === 'boolean' ? flag : byDefault };
  });
}
