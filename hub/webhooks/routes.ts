import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  createdWebhookSchema,
  createWebhookSchema,
  updateWebhookSchema,
  webhookDeliveryListSchema,
  webhookDeliveryReplySchema,
  webhookListSchema,
  webhookReplySchema,
} from '../../shared/schemas/webhooks.js';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { getDelivery, listDeliveries, redeliver } from './deliveries.js';
import { createWebhook, deleteWebhook, getWebhookRow, listWebhooks, toWebhook, updateWebhook } from './subscriptions.js';

const tags = ['webhooks'];
// Subscriptions hold secrets and send the project's events elsewhere: admin keys only.
const admin = access({ secret: 'admin' });
const idParam = z.object({ id: z.string().min(1).max(100) });
const deliveryParams = z.object({ id: z.string().min(1).max(100), deliveryId: z.string().min(1).max(100) });
const rulesOf = (c: Context<HubEnv>) => ({ allowPrivate: c.get('deps').config.webhooks.allowPrivate, resolve: c.get('deps').webhooks?.resolve });

/** Webhook subscriptions (`/v1/webhooks`), their delivery log and redelivery. */
export const webhookRoutes = newRouter()
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/webhooks',
      tags,
      summary: 'Subscribe a URL to events; the reply holds the signing secret, shown only this once',
      description:
        'Deliveries are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`); the body is `{"type","timestamp","data"}`. ' +
        'Private, loopback and link-local destinations are refused unless OUTPOST_WEBHOOK_ALLOW_PRIVATE=1. Each call makes a new subscription.',
      middleware: admin,
      request: body(createWebhookSchema),
      responses: { 201: { description: 'Created', content: json(createdWebhookSchema) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json(await createWebhook(s, c.req.valid('json'), s.principal.keyId, rulesOf(c)), 201);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/webhooks', tags, summary: 'The subscriptions (without secrets)', middleware: admin, responses: { 200: { description: 'Webhooks', content: json(webhookListSchema) }, ...errorResponses(401, 403) } }),
    async (c) => c.json({ webhooks: await listWebhooks(scopeOf(c)) }, 200),
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/webhooks/{id}', tags, summary: 'One subscription', middleware: admin, request: { params: idParam }, responses: { 200: { description: 'Webhook', content: json(webhookReplySchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => c.json({ webhook: toWebhook(await getWebhookRow(scopeOf(c), c.req.valid('param').id)) }, 200),
  )
  .openapi(
    hubRoute({
      method: 'patch',
      path: '/v1/webhooks/{id}',
      tags,
      summary: 'Change the URL, events or description (the secret stays)',
      middleware: admin,
      request: { params: idParam, ...body(updateWebhookSchema) },
      responses: { 200: { description: 'Updated', content: json(webhookReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ webhook: await updateWebhook(s, await getWebhookRow(s, c.req.valid('param').id), c.req.valid('json'), rulesOf(c)) }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      tags,
      summary: 'Delete a subscription, its pending deliveries and its log',
      middleware: admin,
      request: { params: idParam },
      responses: { 200: { description: 'Deleted', content: json(z.object({ deleted: z.literal(true) })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      await deleteWebhook(s, await getWebhookRow(s, c.req.valid('param').id));
      return c.json({ deleted: true as const }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      tags,
      summary: 'The latest 50 deliveries, newest first, each with its attempts (status, duration, the first KB of the reply)',
      middleware: admin,
      request: { params: idParam },
      responses: { 200: { description: 'Deliveries', content: json(webhookDeliveryListSchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ deliveries: await listDeliveries(s, await getWebhookRow(s, c.req.valid('param').id)) }, 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/webhooks/{id}/deliveries/{deliveryId}', tags, summary: 'One delivery with its attempts', middleware: admin, request: { params: deliveryParams }, responses: { 200: { description: 'Delivery', content: json(webhookDeliveryReplySchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { id, deliveryId } = c.req.valid('param');
      return c.json({ delivery: await getDelivery(s, await getWebhookRow(s, id), deliveryId) }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      tags,
      summary: 'Send a finished delivery again, now (same webhook-id and body, a fresh attempt count)',
      description: '409 while the delivery is still pending.',
      middleware: admin,
      request: { params: deliveryParams },
      responses: { 200: { description: 'Queued again', content: json(webhookDeliveryReplySchema) }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { id, deliveryId } = c.req.valid('param');
      return c.json({ delivery: await redeliver(s, await getWebhookRow(s, id), deliveryId) }, 200);
    },
  );
