import { Hono } from 'hono';
import { z } from 'zod';
import type { DatasetInput } from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { logDatasetInputs } from '../tracking/inputs.js';
import { invalidParam } from './errors.js';
import { opt, optString, repeated, requiredString } from './fields.js';
import { loadActiveRun, scope } from './lookup.js';
import { parseBody } from './request.js';

/** MLflow's dataset limits (mlflow/utils/validation.py), refused beyond with its wording. */
const DATASET_LIMITS = { name: 500, digest: 36, schema: 1_048_575, source: 65_535, profile: 16_777_215, tagKey: 255, tagValue: 500 } as const;

const inputTag = z.object({ key: z.string(), value: z.string() });
const datasetSchema = z.object({
  name: z.string(),
  digest: z.string(),
  source_type: z.string(),
  source: z.string(),
  schema: optString,
  profile: optString,
});
const logInputsSchema = z.object({
  run_id: requiredString,
  datasets: repeated(z.object({ tags: repeated(inputTag), dataset: datasetSchema })),
  // MLflow 3 also sends logged-model inputs; this hub has no logged models, so they are accepted and not kept.
  models: opt(z.array(z.unknown())),
});

function checkLength(value: string | undefined, limit: number, path: string) {
  if (value !== undefined && value.length > limit) throw invalidParam(`'${path}' exceeds the maximum length of ${limit} characters`);
}

/** MLflow's _validate_dataset_inputs, naming each field by its place in the request. */
function toDatasetInputs(datasets: z.output<typeof logInputsSchema>['datasets']): DatasetInput[] {
  return (datasets ?? []).map(({ dataset: d, tags }, i) => {
    const at = `datasets[${i}]`;
    checkLength(d.name, DATASET_LIMITS.name, `${at}.dataset.name`);
    checkLength(d.digest, DATASET_LIMITS.digest, `${at}.dataset.digest`);
    checkLength(d.source, DATASET_LIMITS.source, `${at}.dataset.source`);
    checkLength(d.schema, DATASET_LIMITS.schema, `${at}.dataset.schema`);
    checkLength(d.profile, DATASET_LIMITS.profile, `${at}.dataset.profile`);
    const record: Record<string, string> = {};
    (tags ?? []).forEach((t, j) => {
      checkLength(t.key, DATASET_LIMITS.tagKey, `${at}.tags[${j}].key`);
      checkLength(t.value, DATASET_LIMITS.tagValue, `${at}.tags[${j}].value`);
      record[t.key] = t.value;
    });
    return {
      dataset: { name: d.name, digest: d.digest, sourceType: d.source_type, source: d.source, schema: d.schema ?? null, profile: d.profile ?? null },
      tags: record,
    };
  });
}

export const inputRoutes = new Hono<HubEnv>().post('/runs/log-inputs', access({ secret: 'write' }), async (c) => {
  const body = await parseBody(c, logInputsSchema);
  const inputs = toDatasetInputs(body.datasets);
  const s = scope(c);
  await logDatasetInputs(s, await loadActiveRun(s, body.run_id), inputs);
  return c.json({});
});
