import type { z } from 'zod';
import type { ErrorBody } from '../../shared/errors';
import type { CreatedKey, CreateKey, KeyInfo } from '../../shared/schemas/keys';
import type { Project } from '../../shared/schemas/projects';
import type { aliasEventSchema, ModelVersion, RegisteredModel } from '../../shared/schemas/registry';
import type { TelemetryResponse } from '../../shared/schemas/telemetry';
import type { artifactSchema, Experiment, Run, searchRunsSchema, Series, SeriesWindow } from '../../shared/schemas/tracking';

export type { Experiment, KeyInfo, ModelVersion, Project, RegisteredModel, Run, Series, TelemetryResponse };
export type AliasEvent = z.infer<typeof aliasEventSchema>;
export type Artifact = z.infer<typeof artifactSchema>;
export type SearchRuns = z.input<typeof searchRunsSchema>;
export type AliasMove = { alias: string; from: number | null; to: number | null; moved: boolean };

const KEY_STORAGE = 'outpost.key';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  signIn(key: string) {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** A failed call: the hub's own message, or why the hub could not be reached. */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const OFFLINE_MESSAGE = 'You are offline: the console is loaded from its cache, but data needs the hub. It loads again once you are back online.';

async function send(method: string, path: string, init: { body?: unknown; key?: string; accept?: 'json' | 'blob' } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.key ?? session.key ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  } catch (e) {
    throw new HubError(navigator.onLine ? `could not reach the hub (${(e as Error).message}); check that it is running` : OFFLINE_MESSAGE, 0);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ErrorBody | null;
    throw new HubError(body?.error?.message ?? `request failed with HTTP ${res.status}`, res.status, body?.error?.details);
  }
  return res;
}

/** One JSON call to the hub with the session's key; a non-2xx reply throws the hub's own message. */
export async function request<T>(method: string, path: string, options: { body?: unknown; key?: string } = {}): Promise<T> {
  return (await (await send(method, path, options)).json()) as T;
}

const enc = encodeURIComponent;

/** The hub's API as the console uses it; shapes are the shared zod schemas' types. */
export const api = {
  project: (key?: string) => request<{ project: Project }>('GET', '/v1/project', { key }),
  experiments: () => request<{ experiments: Experiment[] }>('GET', '/v1/experiments'),
  searchRuns: (body: SearchRuns) => request<{ runs: Run[]; nextPageToken: string | null }>('POST', '/v1/runs/search', { body }),
  run: (id: string) => request<{ run: Run }>('GET', `/v1/runs/${enc(id)}`),
  series: (runIds: string[], keys: string[], window: SeriesWindow) => request<{ series: Series[] }>('POST', '/v1/metrics/series', { body: { runIds, keys, ...window } }),
  artifacts: (runId: string, path?: string) =>
    request<{ files: Artifact[] }>('GET', `/v1/runs/${enc(runId)}/artifacts${path ? `?path=${enc(path)}` : ''}`),
  models: () => request<{ models: RegisteredModel[] }>('GET', '/v1/models'),
  model: (name: string) => request<{ model: RegisteredModel }>('GET', `/v1/models/${enc(name)}`),
  versions: (name: string) => request<{ versions: ModelVersion[] }>('GET', `/v1/models/${enc(name)}/versions`),
  history: (name: string) => request<{ events: AliasEvent[] }>('GET', `/v1/models/${enc(name)}/history`),
  moveAlias: (name: string, alias: string, version: number, reason: string) =>
    request<AliasMove>('PUT', `/v1/models/${enc(name)}/aliases/${enc(alias)}`, { body: { version, reason } }),
  rollbackAlias: (name: string, alias: string, reason: string) =>
    request<AliasMove>('POST', `/v1/models/${enc(name)}/aliases/${enc(alias)}/rollback`, { body: { reason } }),
  keys: () => request<{ keys: KeyInfo[] }>('GET', '/v1/keys'),
  createKey: (body: CreateKey) => request<CreatedKey>('POST', '/v1/keys', { body }),
  revokeKey: (id: string) => request<unknown>('DELETE', `/v1/keys/${enc(id)}`),
  telemetry: (since: number, bucket: number) => request<TelemetryResponse>('GET', `/v1/telemetry?since=${since}&bucket=${bucket}`),
};

/** Blobs need the key, so a plain link cannot download them: fetch with Authorization, then save a blob URL. */
export async function downloadBlob(digest: string, filename: string): Promise<void> {
  const blob = await (await send('GET', `/v1/blobs/${enc(digest)}`)).blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
