import { z } from 'zod';
import { logRunDatasetsSchema } from './datasets.js';
import { telemetryFields } from './telemetry.js';
import { metricColumnsSchema, paramsSchema, runStatusSchema, tagsSchema } from './tracking.js';

/** Run ids that devices make themselves: a UUID, with or without dashes. */
export const clientRunIdSchema = z.string().regex(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i, 'must be a UUID');
export const clientId = z.string().min(8, 'must be at least 8 characters').max(100);

const base = { id: clientId, runId: clientRunIdSchema };

export const runCreateItemSchema = z.object({
  ...base,
  type: z.literal('run.create'),
  experiment: z.string().min(1).max(500).default('on-device'),
  name: z.string().max(500).optional(),
  startTime: z.number().int().nonnegative(),
  deviceId: z.string().max(200).optional(),
  source: z.enum(['browser', 'device']).default('browser'),
  params: paramsSchema.optional(),
  tags: tagsSchema.optional(),
});
export const runLogItemSchema = z.object({
  ...base,
  type: z.literal('run.log'),
  params: paramsSchema.optional(),
  tags: tagsSchema.optional(),
  metrics: z.array(metricColumnsSchema).optional(),
});
export const runFinishItemSchema = z.object({
  ...base,
  type: z.literal('run.finish'),
  status: runStatusSchema.exclude(['RUNNING', 'SCHEDULED']),
  endTime: z.number().int().nonnegative(),
});
/** The dataset versions a device run read (a fine-tune's training data), recorded as the run's inputs when it syncs. */
export const runDatasetsItemSchema = logRunDatasetsSchema.extend({ ...base, type: z.literal('run.datasets') });
export const telemetryItemSchema = z.object({ id: clientId, type: z.literal('telemetry'), ...telemetryFields });

/** Every item a device's outbox sends; the hub's sync dispatcher takes each type from the domain that registered it. */
export const syncItemSchema = z.discriminatedUnion('type', [runCreateItemSchema, runLogItemSchema, runFinishItemSchema, runDatasetsItemSchema, telemetryItemSchema]);
export type RunSyncItem = Exclude<SyncItem, { type: 'telemetry' }>;
export type TelemetrySyncItem = Extract<SyncItem, { type: 'telemetry' }>;
export type SyncItem = z.infer<typeof syncItemSchema>;

export const syncBatchSchema = z.object({ items: z.array(z.unknown()).min(1).max(1000) });

export const syncResultSchema = z.object({
  results: z.array(
    z.object({
      id: z.string().nullable(),
      status: z.enum(['applied', 'duplicate', 'rejected']),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type SyncResult = z.infer<typeof syncResultSchema>;
