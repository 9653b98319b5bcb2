import { z } from 'zod';
import { webhookEventTypes } from '../cicd/events.js';

export { webhookEventTypes, type WebhookEventType } from '../cicd/events.js';

const eventList = z
  .array(z.enum(webhookEventTypes, { message: `must be one of ${webhookEventTypes.join(', ')}` }))
  .min(1, 'needs at least one event')
  .max(webhookEventTypes.length);

export const webhookUrlSchema = z
  .string()
  .max(2000, 'must be at most 2000 characters')
  .refine((u) => URL.canParse(u), 'must be an absolute URL')
  .refine((u) => !URL.canParse(u) || /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL');

export const createWebhookSchema = z.object({ url: webhookUrlSchema, events: eventList, description: z.string().max(500).optional() });
export const updateWebhookSchema = z.object({ url: webhookUrlSchema.optional(), events: eventList.optional(), description: z.string().max(500).optional() });

export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Webhook = z.infer<typeof webhookSchema>;
/** The reply to a create: the only time the secret is shown. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });
export const webhookReplySchema = z.object({ webhook: webhookSchema });
export const webhookListSchema = z.object({ webhooks: z.array(webhookSchema) });

export const webhookAttemptSchema = z.object({
  at: z.number(),
  status: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  response: z.string(),
});
export const webhookDeliverySchema = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.number().nullable(),
  lastStatus: z.number().nullable(),
  createdAt: z.number(),
  body: z.string(),
  log: z.array(webhookAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
export const webhookDeliveryListSchema = z.object({ deliveries: z.array(webhookDeliverySchema) });
export const webhookDeliveryReplySchema = z.object({ delivery: webhookDeliverySchema });
