import { createHash } from 'node:crypto';
import { writeOnnxModel } from '../../hub/registry/onnx/write.js';
import { frameBinary } from '../../shared/serving/binary.js';

/** Every datatype `/v2` serves, by the registry's dtype name. */
export const SERVED_DTYPES = ['bool', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64'] as const;

/** One Identity per dtype: `in_<dtype>` ["batch", 2] → `out_<dtype>`, so each datatype makes a round trip. */
export function identityOnnx(dtypes: readonly string[] = SERVED_DTYPES): Uint8Array {
  return writeOnnxModel({
    producer: 'outpost-tests',
    inputs: dtypes.map((dtype) => ({ name: `in_${dtype}`, dtype, shape: ['batch', 2] })),
    outputs: dtypes.map((dtype) => ({ name: `out_${dtype}`, dtype, shape: ['batch', 2] })),
    nodes: dtypes.map((dtype) => ({ op: 'Identity', inputs: [`in_${dtype}`], outputs: [`out_${dtype}`] })),
  });
}

/** x float32 [1, 4] → Relu → y: a fixed batch of one, so its requests never batch. */
export function fixedShapeOnnx(): Uint8Array {
  return writeOnnxModel({
    producer: 'outpost-tests',
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  });
}

/** A hub call as both suites have it: the in-process `request` or fetch against a running hub. */
export type HubRequest = (path: string, init?: RequestInit) => Promise<Response>;

async function ok(res: Response, what: string): Promise<any> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Uploads the files, registers a version of `name` (made on first use; `devices` exposes it) and points `alias` at it. */
export async function publishModel(
  request: HubRequest,
  name: string,
  files: Record<string, Uint8Array>,
  options: { format?: 'onnx' | 'tfjs-layers'; alias?: string; devices?: boolean; tags?: Record<string, string> } = {},
): Promise<number> {
  const list = [];
  for (const [path, bytes] of Object.entries(files)) {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await ok(await request(`/v1/blobs/${digest}`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes as Uint8Array<ArrayBuffer> }), 'upload');
    list.push({ path, digest, size: bytes.byteLength });
  }
  const json = { 'Content-Type': 'application/json' };
  const made = await request('/v1/models', { method: 'POST', headers: json, body: JSON.stringify({ name, devices: options.devices ?? false, tags: options.tags ?? {} }) });
  if (made.status !== 201 && made.status !== 409) await ok(made, 'create model');
  const { version } = await ok(await request(`/v1/models/${name}/versions`, { method: 'POST', headers: json, body: JSON.stringify({ format: options.format ?? 'onnx', files: list }) }), 'publish');
  if (options.alias) await ok(await request(`/v1/models/${name}/aliases/${options.alias}`, { method: 'PUT', headers: json, body: JSON.stringify({ version: version.version }) }), 'alias');
  return version.version as number;
}

/** A binary-extension body: the JSON header, then each tensor's bytes in order. */
export const binaryBody = frameBinary;

/** Splits a binary-extension reply into its JSON header and the bytes after it. */
export async function readBinaryReply(res: Response): Promise<{ json: any; binary: Uint8Array }> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const length = Number(res.headers.get('Inference-Header-Content-Length') ?? bytes.byteLength);
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))), binary: bytes.subarray(length) };
}
