import { createHash, randomUUID } from 'node:crypto';
import { linearModelOnnx } from '../../../hub/registry/onnx/write.js';
import { HubApi } from '../runtime/hub-api.js';

type Json = any;

/** The console tests' data, made through the hub's public API with the admin key (no shortcuts into the database). */
export class HubData extends HubApi {
  async experiment(name: string): Promise<{ id: string; name: string }> {
    return (await this.call('POST', '/v1/experiments', { name })).experiment;
  }

  /** A finished run with params, tags and metric curves (`{loss: [values…]}` at steps 0, 1, 2…). */
  async run(experimentId: string, r: { name: string; params?: Record<string, string>; tags?: Record<string, string>; metrics?: Record<string, number[]>; startTime?: number }) {
    const { run } = await this.call('POST', '/v1/runs', { experimentId, name: r.name, params: r.params, tags: r.tags, startTime: r.startTime });
    const metrics = Object.entries(r.metrics ?? {}).map(([key, values]) => ({
      key,
      values,
      steps: values.map((_, i) => i),
      timestamps: values.map((_, i) => (r.startTime ?? Date.now()) + i * 1000),
    }));
    if (metrics.length) await this.call('POST', `/v1/runs/${run.id}/log`, { metrics });
    await this.call('PATCH', `/v1/runs/${run.id}`, { status: 'FINISHED' });
    return run as { id: string; name: string };
  }

  /** Many runs at once through /v1/sync (1000 items a batch), named `${prefix}-0` … oldest first. */
  async manyRuns(experiment: string, prefix: string, count: number): Promise<void> {
    const start = Date.now() - count * 1000;
    const items = Array.from({ length: count }, (_, i) => ({
      id: `${prefix}-create-${i}`,
      type: 'run.create',
      runId: randomUUID(),
      experiment,
      name: `${prefix}-${i}`,
      startTime: start + i * 1000,
      params: { index: String(i) },
    }));
    for (let i = 0; i < items.length; i += 1000) {
      const { results } = await this.call('POST', '/v1/sync', { items: items.slice(i, i + 1000) });
      const refused = results.find((r: Json) => r.status === 'rejected');
      if (refused) throw new Error(`sync refused an item: ${JSON.stringify(refused)}`);
    }
  }

  async blob(bytes: Uint8Array): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await this.call('PUT', `/v1/blobs/${digest}`, undefined, bytes);
    return digest;
  }

  async artifact(runId: string, path: string, bytes: Uint8Array): Promise<void> {
    await this.call('PUT', `/v1/runs/${runId}/artifacts`, { path, digest: await this.blob(bytes) });
  }

  /** A registered ONNX model with `versions` versions (each a different generated graph), optionally from a run. */
  async model(name: string, versions: number, runId?: string): Promise<void> {
    await this.call('POST', '/v1/models', { name, devices: true });
    for (let v = 1; v <= versions; v++) {
      const bytes = linearModelOnnx({ inputSize: 4, outputSize: 2, seed: v });
      const files = [{ path: 'model.onnx', digest: await this.blob(bytes), size: bytes.byteLength }];
      await this.call('POST', `/v1/models/${name}/versions`, { format: 'onnx', files, runId, metrics: { accuracy: 0.8 + v / 100 } });
    }
  }

  async moveAlias(name: string, alias: string, version: number, reason: string) {
    return this.call('PUT', `/v1/models/${name}/aliases/${alias}`, { version, reason });
  }

  async secretKey(name: string, role: 'admin' | 'write' | 'read') {
    return this.call('POST', '/v1/keys', { kind: 'secret', name, role });
  }

  async sync(items: unknown[]) {
    return (await this.call('POST', '/v1/sync', { items })).results as Array<{ status: string; error?: { message: string } }>;
  }
}
