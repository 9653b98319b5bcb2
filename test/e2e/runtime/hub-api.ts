import { createHash } from 'node:crypto';

/** Small calls to a hub over HTTP, for browser tests that need models and keys in place. */
export class HubApi {
  constructor(
    readonly url: string,
    readonly key: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, raw?: Uint8Array): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${this.key}`, ...(raw ? { 'Content-Type': 'application/octet-stream' } : body ? { 'Content-Type': 'application/json' } : {}) },
      body: raw ? (raw as Uint8Array<ArrayBuffer>) : body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Uploads files as blobs and registers them as a new version of `name` (exposed to devices), optionally under an alias. */
  async publish(name: string, format: 'onnx' | 'tfjs-layers', files: Record<string, Uint8Array>, alias?: string, signature?: unknown): Promise<number> {
    const list = [];
    for (const [path, bytes] of Object.entries(files)) {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      await this.call('PUT', `/v1/blobs/${digest}`, undefined, bytes);
      list.push({ path, digest, size: bytes.byteLength });
    }
    await fetch(`${this.url}/v1/models`, { method: 'POST', headers: { Authorization: `Bearer ${this.key}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name, devices: true }) });
    const { version } = await this.call('POST', `/v1/models/${name}/versions`, { format, files: list, ...(signature ? { signature } : {}) });
    if (alias) await this.call('PUT', `/v1/models/${name}/aliases/${alias}`, { version: version.version });
    return version.version as number;
  }

  async publishableKey(allowedOrigins?: string[]): Promise<string> {
    const { secret } = await this.call('POST', '/v1/keys', { name: `pk-${Date.now()}`, kind: 'publishable', ...(allowedOrigins ? { allowedOrigins } : {}) });
    return secret as string;
  }

  /** Runs of an experiment (by name) whose name starts with `prefix`, every page of them. */
  async runsNamed(experiment: string, prefix: string): Promise<any[]> {
    const { experiments } = await this.call('GET', '/v1/experiments');
    const found = (experiments as { id: string; name: string }[]).find((e) => e.name === experiment);
    if (!found) return [];
    const runs: { name: string }[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call('POST', '/v1/runs/search', { experimentIds: [found.id], limit: 100, pageToken });
      runs.push(...page.runs);
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return runs.filter((r) => r.name.startsWith(prefix));
  }
}
