import { z } from 'zod';

export const AUDIT_PAGE = { default: 50, max: 500 } as const;

/** Who did it: a person (`user`) or a key, by the name they had when they did it. */
export const auditActorSchema = z.object({ type: z.enum(['user', 'key']), id: z.string(), name: z.string() });

export const auditEventSchema = z.object({
  id: z.string(),
  /** ISO 8601, UTC. */
  at: z.string(),
  actor: auditActorSchema,
  /** Dotted, `noun.verb` (`key.create`, `model.alias.set`); the list is in docs/audit.md. */
  action: z.string(),
  /** `kind:id` (`key:key_…`, `model:digits@production`, `model:digits/3`). */
  target: z.string(),
  /** The client's address, as the hub's rate limits see it. */
  address: z.string(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditPageSchema = z.object({ events: z.array(auditEventSchema), nextPageToken: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPageSchema>;

/** A time filter: ISO 8601 or epoch milliseconds. */
const timeSchema = z
  .string()
  .refine((v) => (/^\d{1,15}$/.test(v) ? true : /^\d{4}-\d\d-\d\d/.test(v) && !Number.isNaN(Date.parse(v))), 'must be an ISO 8601 time (2026-12-01T16:00:00Z) or epoch milliseconds');

/**
 * The filters of `GET /v1/audit`. `action` is exact, or a prefix when it ends in `.` or `*` (`model.`); `target` is
 * exact, or a prefix when it ends in `*` (`model:digits*`); no pattern language, so every filter costs linear time.
 */
export const auditQuerySchema = z.object({
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.|\.?\*)?$/, 'must be an action such as model.alias.set, or a prefix such as model. or model.*')
    .optional(),
  target: z.string().min(1).max(500).optional(),
  since: timeSchema.optional(),
  until: timeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE.max).default(AUDIT_PAGE.default),
  pageToken: z.string().max(500).optional(),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

/** The actor of an alias move: a person, a key, or the hub itself (a rollout that completed, the demo seed). */
export const historyActorSchema = z.object({ type: z.enum(['user', 'key', 'hub']), id: z.string(), name: z.string() });
