import { z } from 'zod';
import { ruleProblems } from '../cicd/gate.js';
import { aliasSchema } from './registry.js';

/** One gate rule (MLflow's MetricThreshold, camelCase): see shared/cicd/gate.ts. */
export const metricRuleSchema = z
  .object({
    metric: z.string().min(1, 'must name a metric').max(250),
    threshold: z.number().optional(),
    strict: z.boolean().optional(),
    minAbsoluteChange: z.number().optional(),
    minRelativeChange: z.number().optional(),
    greaterIsBetter: z.boolean().optional(),
  })
  .superRefine((rule, ctx) => {
    for (const message of ruleProblems(rule)) ctx.addIssue({ code: 'custom', message });
  });

export const gateRulesSchema = z.array(metricRuleSchema).min(1, 'needs at least one rule').max(50, 'at most 50 rules');

/** A version number, or the name of an alias of the same model. */
export const versionOrAliasSchema = z.union([z.number().int().positive(), aliasSchema]);

export const gateRequestSchema = z.object({
  candidate: versionOrAliasSchema,
  /** The baseline; absent: thresholds only (change rules are skipped). */
  against: versionOrAliasSchema.optional(),
  rules: gateRulesSchema,
  /** When `against` names an alias that does not exist yet, gate on thresholds alone instead of a 404. */
  allowMissingBaseline: z.boolean().optional(),
});

export const metricResultSchema = z.object({
  metric: z.string(),
  value: z.number().nullable(),
  baseline: z.number().nullable(),
  rule: z.string(),
  passed: z.boolean(),
  failures: z.array(z.string()),
});

const gatedVersionSchema = z.object({
  version: z.number(),
  metrics: z.record(z.string(), z.number()),
  /** Where the metrics came from: the version's own snapshot, or its source run's latest values. */
  metricsFrom: z.enum(['version', 'run', 'none']),
});

export const gateReplySchema = z.object({
  passed: z.boolean(),
  candidate: gatedVersionSchema,
  baseline: gatedVersionSchema.nullable(),
  results: z.array(metricResultSchema),
});
export type GateReply = z.infer<typeof gateReplySchema>;

/** `PUT /v1/models/{name}/aliases/{alias}/policy`. `baseline` absent: the version the alias points to when it moves. */
export const aliasPolicyInputSchema = z.object({
  rules: gateRulesSchema,
  baseline: versionOrAliasSchema.optional(),
});

export const aliasPolicySchema = z.object({
  alias: z.string(),
  rules: z.array(metricRuleSchema),
  baseline: z.union([z.number(), z.string()]).nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.number(),
});
export type AliasPolicy = z.infer<typeof aliasPolicySchema>;
export const aliasPolicyReplySchema = z.object({ policy: aliasPolicySchema });
export const aliasPolicyListSchema = z.object({ policies: z.array(aliasPolicySchema) });
