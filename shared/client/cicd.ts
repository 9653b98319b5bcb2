import type { z } from 'zod';
import type { aliasPolicyInputSchema, aliasPolicyListSchema, aliasPolicyReplySchema, GateReply, gateRequestSchema } from '../schemas/cicd.js';
import type {
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookDeliveryListSchema,
  webhookDeliveryReplySchema,
  webhookListSchema,
  webhookReplySchema,
} from '../schemas/webhooks.js';
import type { HubClient } from './hub-client.js';

const enc = encodeURIComponent;
const policyPath = (name: string, alias: string) => `/v1/models/${enc(name)}/aliases/${enc(alias)}/policy`;

/** Gates and alias policies. */
export const runGate = (hub: HubClient, name: string, request: z.input<typeof gateRequestSchema>) => hub.json<GateReply>('POST', `/v1/models/${enc(name)}/gate`, request);
export const listAliasPolicies = (hub: HubClient, name: string) => hub.json<z.output<typeof aliasPolicyListSchema>>('GET', `/v1/models/${enc(name)}/policies`);
export const getAliasPolicy = (hub: HubClient, name: string, alias: string) => hub.json<z.output<typeof aliasPolicyReplySchema>>('GET', policyPath(name, alias));
export const setAliasPolicy = (hub: HubClient, name: string, alias: string, policy: z.input<typeof aliasPolicyInputSchema>) =>
  hub.json<z.output<typeof aliasPolicyReplySchema>>('PUT', policyPath(name, alias), policy);
export const deleteAliasPolicy = (hub: HubClient, name: string, alias: string) => hub.json<{ deleted: true }>('DELETE', policyPath(name, alias));

/** Webhook subscriptions and their deliveries. */
export type CreatedWebhook = z.output<typeof createdWebhookSchema>;
export const listWebhooks = (hub: HubClient) => hub.json<z.output<typeof webhookListSchema>>('GET', '/v1/webhooks');
export const createWebhook = (hub: HubClient, input: z.input<typeof createWebhookSchema>) => hub.json<CreatedWebhook>('POST', '/v1/webhooks', input);
export const updateWebhook = (hub: HubClient, id: string, patch: z.input<typeof updateWebhookSchema>) => hub.json<z.output<typeof webhookReplySchema>>('PATCH', `/v1/webhooks/${enc(id)}`, patch);
export const deleteWebhook = (hub: HubClient, id: string) => hub.json<{ deleted: true }>('DELETE', `/v1/webhooks/${enc(id)}`);
export const listDeliveries = (hub: HubClient, id: string) => hub.json<z.output<typeof webhookDeliveryListSchema>>('GET', `/v1/webhooks/${enc(id)}/deliveries`);
export const redeliver = (hub: HubClient, id: string, deliveryId: string) =>
  hub.json<z.output<typeof webhookDeliveryReplySchema>>('POST', `/v1/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`, {});
