import { z } from 'zod';
import { DIGEST_RE } from '../digest.js';
import { ALIAS_CHARS_RE, ALIAS_MAX, ALIAS_RULE, isReservedAlias, NAME_RE, NAME_RULE, RESERVED_ALIAS_RULE } from '../refs.js';
import { digestSchema, relativePathSchema, tagsSchema } from './tracking.js';
import { historyActorSchema } from './audit.js';

/** DESIGN §10: model names (the rule lives in shared/refs.ts, which the zod-free runtime uses too). */
export const modelNameSchema = z.string().regex(NAME_RE, NAME_RULE);

/** MLflow's alias rule, with `latest` and `v<digits>` reserved (they name versions, not aliases). */
export const aliasSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(ALIAS_MAX, `must be at most ${ALIAS_MAX} characters`)
  .regex(ALIAS_CHARS_RE, ALIAS_RULE)
  .refine((a) => !isReservedAlias(a), RESERVED_ALIAS_RULE);

export const modelFormats = ['onnx', 'tfjs-layers'] as const;

export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: z.string().min(1),
  shape: z.array(z.union([z.number().int().min(-1), z.string().min(1)])),
});
export const signatureSchema = z.object({ inputs: z.array(tensorSpecSchema), outputs: z.array(tensorSpecSchema) });
export type Signature = z.infer<typeof signatureSchema>;

export const manifestFileSchema = z.object({
  path: relativePathSchema(500),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const createModelSchema = z.object({
  name: modelNameSchema,
  description: z.string().max(5000).optional(),
  tags: tagsSchema.optional(),
  devices: z.boolean().optional(),
});
export const updateModelSchema = z.object({
  /** A new name: versions, aliases and their history follow the model. */
  name: modelNameSchema.optional(),
  description: z.string().max(5000).optional(),
  tags: tagsSchema.optional(),
  devices: z.boolean().optional(),
});
export type UpdateModel = z.infer<typeof updateModelSchema>;

export const createVersionSchema = z.object({
  format: z.enum(modelFormats),
  files: z
    .array(manifestFileSchema)
    .min(1, 'list at least one file')
    .max(1000)
    .refine((files) => new Set(files.map((f) => f.path)).size === files.length, 'file paths must be unique'),
  signature: signatureSchema.optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** The run that made it; with a run, publishing the same files again returns the version already made. */
  runId: z.string().optional(),
  /** A fine-tune's base: `baseVersion` of `baseModel` (default: this model). */
  baseModel: modelNameSchema.optional(),
  baseVersion: z.number().int().positive().optional(),
  /** Points this alias at the new version (secret keys with role write only). */
  alias: aliasSchema.optional(),
  description: z.string().max(5000).optional(),
  tags: tagsSchema.optional(),
  /** The feature service it was trained on (lineage; the service must exist when the version is made). */
  featureService: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a feature service name').optional(),
});
export type CreateVersion = z.infer<typeof createVersionSchema>;

export { DEVICE_CANDIDATES_SUFFIX, deviceCandidatesName } from '../device-candidates.js';

export const lineageSchema = z.object({ runId: z.string().nullable(), baseModel: z.string().nullable(), baseVersion: z.number().nullable() });
export type Lineage = z.infer<typeof lineageSchema>;

export const modelVersionSchema = z.object({
  model: z.string(),
  version: z.number(),
  format: z.enum(modelFormats),
  files: z.array(manifestFileSchema),
  signature: signatureSchema,
  metrics: z.record(z.string(), z.number()),
  runId: z.string().nullable(),
  /** The model of `baseVersion`: this model's own name unless the version was fine-tuned from another. */
  baseModel: z.string().nullable(),
  baseVersion: z.number().nullable(),
  /** The feature service it was trained on, null when none was named. */
  featureService: z.string().nullable(),
  /** The dataset versions its source run read (`ds/3`), sorted; empty without a run. */
  datasets: z.array(z.string()),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  aliases: z.array(z.string()),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

export const registeredModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  devices: z.boolean(),
  aliases: z.record(z.string(), z.number()),
  latestVersion: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type RegisteredModel = z.infer<typeof registeredModelSchema>;

/** `force` (admin keys, with a `reason`) moves the alias past a failing alias policy; the history records it. */
export const moveAliasSchema = z.object({ version: z.number().int().positive(), reason: z.string().max(1000).optional(), force: z.boolean().optional() });
export const aliasReasonSchema = z.object({ reason: z.string().max(1000).optional() });
export const rollbackAliasSchema = z.object({ reason: z.string().max(1000).optional(), force: z.boolean().optional() });

export const aliasEventSchema = z.object({
  alias: z.string(),
  from: z.number().nullable(),
  to: z.number().nullable(),
  /** Who moved it, by name: a person, a key, or the hub itself (a rollout completing); null for moves older than keys. */
  actor: historyActorSchema.nullable(),
  reason: z.string(),
  /** Moved past a failing alias policy by an admin. */
  forced: z.boolean(),
  at: z.number(),
});

/** What a device needs to fetch a model: the version, its files by digest, and how to call it. */
export const manifestSchema = z.object({
  model: z.string(),
  version: z.number(),
  format: z.enum(modelFormats),
  signature: signatureSchema,
  files: z.array(manifestFileSchema),
  etag: z.string(),
  /** Where the version came from; optional so that clients also read manifests of older hubs. */
  lineage: lineageSchema.optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** Replies of /v1 registry routes: the hub's openapi and every client's types come from these. */
export const modelReplySchema = z.object({ model: registeredModelSchema });
export const modelListSchema = z.object({ models: z.array(registeredModelSchema) });
export const versionReplySchema = z.object({ version: modelVersionSchema });
export const versionListSchema = z.object({ versions: z.array(modelVersionSchema) });
export const aliasMoveSchema = z.object({ alias: z.string(), from: z.number().nullable(), to: z.number().nullable(), moved: z.boolean(), forced: z.boolean().optional() });
export const aliasHistorySchema = z.object({ events: z.array(aliasEventSchema) });
