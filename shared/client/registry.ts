import type { z } from 'zod';
import { formatRef, type ModelRef } from '../refs.js';
import type {
  aliasHistorySchema,
  aliasMoveSchema,
  createModelSchema,
  createVersionSchema,
  Manifest,
  modelListSchema,
  modelReplySchema,
  moveAliasSchema,
  updateModelSchema,
  versionListSchema,
  versionReplySchema,
} from '../schemas/registry.js';
import type { HubClient } from './hub-client.js';

export type ModelReply = z.output<typeof modelReplySchema>;
export type VersionReply = z.output<typeof versionReplySchema>;
export type AliasMove = z.output<typeof aliasMoveSchema>;
export type AliasEvent = z.output<typeof aliasHistorySchema>['events'][number];

const enc = encodeURIComponent;

export const listModels = (hub: HubClient) => hub.json<z.output<typeof modelListSchema>>('GET', '/v1/models');
export const getModel = (hub: HubClient, name: string) => hub.json<ModelReply>('GET', `/v1/models/${enc(name)}`);
export const createModel = (hub: HubClient, model: z.input<typeof createModelSchema>) => hub.json<ModelReply>('POST', '/v1/models', model);
export const updateModel = (hub: HubClient, name: string, patch: z.input<typeof updateModelSchema>) => hub.json<ModelReply>('PATCH', `/v1/models/${enc(name)}`, patch);
export const listVersions = (hub: HubClient, name: string) => hub.json<z.output<typeof versionListSchema>>('GET', `/v1/models/${enc(name)}/versions`);
export const aliasHistory = (hub: HubClient, name: string) => hub.json<z.output<typeof aliasHistorySchema>>('GET', `/v1/models/${enc(name)}/history`);
export const moveAlias = (hub: HubClient, name: string, alias: string, move: z.input<typeof moveAliasSchema>) =>
  hub.json<AliasMove>('PUT', `/v1/models/${enc(name)}/aliases/${enc(alias)}`, move);
export const rollbackAlias = (hub: HubClient, name: string, alias: string, reason?: string) =>
  hub.json<AliasMove>('POST', `/v1/models/${enc(name)}/aliases/${enc(alias)}/rollback`, { reason });

/** Registers a version; `created` is false when the same run published the same files before (the hub's 200). */
export async function createVersion(hub: HubClient, name: string, version: z.input<typeof createVersionSchema>): Promise<VersionReply & { created: boolean }> {
  const res = await hub.send(`/v1/models/${enc(name)}/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(version) });
  return { ...((await res.json()) as VersionReply), created: res.status === 201 };
}

/** The hub route that answers a ref's manifest. */
export function manifestPath(ref: ModelRef): string {
  if ('version' in ref) return `/v1/models/${enc(ref.name)}/versions/${ref.version}/manifest`;
  return `/v1/models/${enc(formatRef(ref))}/manifest`;
}

/** A ref's manifest; with the `etag` of one already held, null when it is still current. */
export async function fetchManifest(hub: HubClient, ref: ModelRef, options: { etag?: string; signal?: AbortSignal; device?: string } = {}): Promise<Manifest | null> {
  // The device id lets a staged rollout of the alias give this device its version (hub/rollouts).
  const headers = { ...(options.etag ? { 'if-none-match': options.etag } : {}), ...(options.device ? { 'outpost-device': options.device } : {}) };
  const res = await hub.send(manifestPath(ref), { headers, signal: options.signal }, [304]);
  return res.status === 304 ? null : ((await res.json()) as Manifest);
}
