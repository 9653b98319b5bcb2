import { z } from '@hono/zod-openapi';
import { parseDuration } from '../duration.js';
import { aliasSchema } from './registry.js';

export const rolloutStates = ['running', 'paused', 'completed', 'rolled_back', 'aborted'] as const;
export type RolloutState = (typeof rolloutStates)[number];
/** States in which a rollout still steers devices; one per alias at a time. */
export const ACTIVE_ROLLOUT_STATES: readonly RolloutState[] = ['running', 'paused'];

export const ROLLOUT_LIMITS = { minIntervalMs: 1000, maxIntervalMs: 30 * 86_400_000, maxSteps: 20, maxMinRequests: 1_000_000_000 } as const;

const interval = z
  .union([z.number().int(), z.string()])
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : parseDuration(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration like 30s, 10m or 1h` });
      return z.NEVER;
    }
    if (ms < ROLLOUT_LIMITS.minIntervalMs || ms > ROLLOUT_LIMITS.maxIntervalMs) {
      ctx.addIssue({ code: 'custom', message: `must be between 1s and 30d, not ${ms} ms` });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({ type: 'string', description: 'how long each step runs before its check: `30s`, `10m`, `1h`, or milliseconds' });

export const createRolloutSchema = z
  .object({
    alias: aliasSchema,
    /** The candidate version. */
    to: z.number().int().positive(),
    /** Percentages of devices on the candidate, rising, ending at 100. */
    steps: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .max(ROLLOUT_LIMITS.maxSteps)
      .refine((s) => s.every((p, i) => i === 0 || p > s[i - 1]!), 'must rise from step to step')
      .refine((s) => s.at(-1) === 100, 'must end at 100'),
    interval,
    /** The highest error rate (errors / requests, 0–1) the candidate may show in a step. */
    maxErrorRate: z.number().min(0).max(1).optional(),
    /** The highest candidate p95 latency as a multiple of the stable version's. */
    maxP95Ratio: z.number().gt(0).max(1000).optional(),
    /** Candidate requests a step needs before its check decides; fewer and the step waits. */
    minRequests: z.number().int().min(1).max(ROLLOUT_LIMITS.maxMinRequests).default(100),
    reason: z.string().max(1000).optional(),
  })
  .strict();
export type CreateRollout = z.infer<typeof createRolloutSchema>;

export const versionFiguresSchema = z.object({ requests: z.number(), errors: z.number(), errorRate: z.number().nullable(), p95Ms: z.number().nullable() });
/** A side's figures in a rollout reply, with the devices that reported running it since the rollout started. */
export const sideFiguresSchema = versionFiguresSchema.extend({ devices: z.number() });
export type VersionFigures = z.infer<typeof versionFiguresSchema>;

export const rolloutDecisionSchema = z.object({
  at: z.number(),
  step: z.number(),
  percent: z.number(),
  action: z.enum(['started', 'advanced', 'waiting', 'paused', 'resumed', 'rolled_back', 'completed', 'aborted', 'promoted']),
  message: z.string(),
  candidate: versionFiguresSchema.nullable(),
  stable: versionFiguresSchema.nullable(),
  actor: z.string(),
});
export type RolloutDecision = z.infer<typeof rolloutDecisionSchema>;

export const rolloutSchema = z.object({
  id: z.string(),
  model: z.string(),
  alias: z.string(),
  stableVersion: z.number(),
  candidateVersion: z.number(),
  state: z.enum(rolloutStates),
  /** The index of the current step in `steps`. */
  step: z.number(),
  /** The share of devices on the candidate now (0 once rolled back or aborted). */
  percent: z.number(),
  steps: z.array(z.number()),
  intervalMs: z.number(),
  maxErrorRate: z.number().nullable(),
  maxP95Ratio: z.number().nullable(),
  minRequests: z.number(),
  stepStartedAt: z.number(),
  /** When the current step's check is due (null once the rollout has ended). */
  nextCheckAt: z.number().nullable(),
  /** The current step's figures so far, per version. */
  figures: z.object({ candidate: sideFiguresSchema, stable: sideFiguresSchema }),
  decisions: z.array(rolloutDecisionSchema),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

export const rolloutActionSchema = z.object({ reason: z.string().max(1000).optional() }).strict();
