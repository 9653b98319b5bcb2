import type { HubClient } from '../../shared/client/hub-client.js';
import type { Manifest } from '../../shared/schemas/registry.js';
import { frameBinary, HEADER_LENGTH } from '../../shared/serving/binary.js';
import { DATATYPES, datatypeOf, isServedDatatype } from '../../shared/serving/datatypes.js';
import { OutpostRuntimeError, type RuntimeErrorCode } from '../errors.js';
import type { ModelSession } from './model.js';
import type { Outputs, TensorData } from './tensors.js';

interface ReplyOutput {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: { binary_data_size?: number };
}

/** The hub's `{"error": "…"}` as the runtime's error: a request it refused is the caller's feeds, as on a device. */
async function remoteFailure(res: Response, label: string): Promise<OutpostRuntimeError> {
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
  const message = typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
  const code: RuntimeErrorCode = res.status === 400 ? 'bad_feeds' : res.status === 404 ? 'not_found' : res.status === 401 || res.status === 403 ? 'unauthorized' : 'inference';
  return new OutpostRuntimeError(code, `${label} on the hub: ${message}`);
}

/**
 * Runs a version on the hub through the Open Inference Protocol (`/v2`), tensors both ways as binary data. The path
 * names the version, so a remote model keeps the version it loaded until `update()`, as a local one does.
 */
export async function openRemoteSession(hub: HubClient, manifest: Manifest): Promise<ModelSession> {
  const label = `${manifest.model} v${manifest.version}`;
  const base = `/v2/models/${encodeURIComponent(manifest.model)}/versions/${manifest.version}`;
  // Readiness loads the version on the hub now, and a hub that cannot serve (Workers: 501) fails the load, not a run.
  const ready = await hub.fetch(`${base}/ready`);
  if (!ready.ok) throw await remoteFailure(ready, label);
  return {
    backend: 'remote',
    loadPath: 'remote',
    async run(feeds, dtypes) {
      const names = Object.keys(feeds);
      const inputs = names.map((name) => ({ name, shape: feeds[name]!.dims, datatype: datatypeOf(dtypes[name]!), parameters: { binary_data_size: feeds[name]!.data.byteLength } }));
      const { body, headerLength } = frameBinary({ inputs, parameters: { binary_data_output: true } }, names.map((n) => feeds[n]!.data));
      const res = await hub.fetch(`${base}/infer`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream', [HEADER_LENGTH]: String(headerLength) }, body });
      if (!res.ok) throw await remoteFailure(res, label);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const jsonLength = Number(res.headers.get(HEADER_LENGTH) ?? bytes.byteLength);
      const reply = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonLength))) as { outputs: ReplyOutput[] };
      const outputs: Outputs = {};
      let offset = jsonLength;
      for (const o of reply.outputs) {
        const size = o.parameters?.binary_data_size ?? 0;
        if (!isServedDatatype(o.datatype)) throw new OutpostRuntimeError('inference', `${label}: the hub answered output "${o.name}" as ${o.datatype}, which the runtime cannot read`);
        const { array, bytes: width, dtype } = DATATYPES[o.datatype];
        const data = new array(size / width);
        new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + size));
        offset += size;
        outputs[o.name] = { data: data as TensorData, dims: o.shape, dtype };
      }
      return outputs;
    },
    dispose: async () => {},
  };
}
