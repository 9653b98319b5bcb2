import { bytesOf, datatypeOf, fromHalf } from '../../shared/serving/datatypes.js';
import type { HostTensor, HostTensors } from './engine.js';
import { frameBinary, HEADER_LENGTH } from '../../shared/serving/binary.js';
import type { InferResponse, ResponseOutput } from './protocol.js';

/** JSON values of a tensor: numbers, booleans for BOOL, FP16 decoded; 64-bit integers as numbers (exact up to 2⁵³). */
function jsonValues(t: HostTensor): unknown[] {
  const out = new Array<unknown>(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    out[i] = t.dtype === 'bool' ? v !== 0 : t.dtype === 'float16' ? fromHalf(v as number) : typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

export interface EncodedResponse {
  body: Uint8Array | string;
  headers: Record<string, string>;
}

/** The infer response: JSON, or JSON followed by the binary outputs with `Inference-Header-Content-Length`. */
export function encodeResponse(head: Omit<InferResponse, 'outputs'>, tensors: HostTensors, chosen: { name: string; binary: boolean }[]): EncodedResponse {
  const chunks: Uint8Array[] = [];
  const outputs: ResponseOutput[] = chosen.map(({ name, binary }) => {
    const t = tensors[name]!;
    const output: ResponseOutput = { name, datatype: datatypeOf(t.dtype), shape: t.dims };
    if (!binary) return { ...output, data: jsonValues(t) };
    const bytes = bytesOf(t.data);
    chunks.push(bytes);
    return { ...output, parameters: { binary_data_size: bytes.byteLength } };
  });
  const response: InferResponse = { ...head, outputs };
  if (!chunks.length) return { body: JSON.stringify(response), headers: { 'Content-Type': 'application/json' } };
  const { body, headerLength } = frameBinary(response, chunks);
  return { body, headers: { 'Content-Type': 'application/octet-stream', [HEADER_LENGTH]: String(headerLength) } };
}
