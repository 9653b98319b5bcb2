import type { z } from 'zod';
import type { createRolloutSchema, Rollout } from '../schemas/rollouts.js';
import type { HubClient } from './hub-client.js';

const enc = encodeURIComponent;
const base = (model: string) => `/v1/models/${enc(model)}/rollouts`;

export const startRollout = (hub: HubClient, model: string, body: z.input<typeof createRolloutSchema>) => hub.json<Rollout>('POST', base(model), body);
export const listRollouts = (hub: HubClient, model: string) => hub.json<{ rollouts: Rollout[] }>('GET', base(model));
export const getRollout = (hub: HubClient, model: string, id: string) => hub.json<Rollout>('GET', `${base(model)}/${enc(id)}`);
export const controlRollout = (hub: HubClient, model: string, id: string, action: 'pause' | 'resume' | 'abort' | 'promote', reason?: string) =>
  hub.json<Rollout>('POST', `${base(model)}/${enc(id)}/${action}`, reason ? { reason } : {});
