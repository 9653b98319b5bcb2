import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { doesNotExist, invalidParam } from './errors.js';
import { double, int64, keyValue, opt, repeated, requiredString, runIdOf, runRef } from './fields.js';
import { checkBatchSizes, checkKey, checkParam, checkTag } from './limits.js';
import { loadActiveRun, scope } from './lookup.js';
import { MAX_REQUEST_BYTES, parseBody } from './request.js';
import { deleteRunTag } from '../tracking/run-tags.js';
import { logMlflowWrites } from './writes.js';

const write = access({ secret: 'write' });

const timestamp = int64.refine((v) => v >= 0, 'timestamp must be a non-negative number of milliseconds');
const metricFields = { key: requiredString, value: double, timestamp, step: opt(int64) };
const paramValue = opt(z.string());

const batchSchema = z.object({
  run_id: requiredString,
  metrics: repeated(z.object(metricFields)),
  params: repeated(keyValue),
  tags: repeated(keyValue),
});
const batchTooLarge = (size: string) => `Batched logging API requests must be at most ${MAX_REQUEST_BYTES} bytes, got a request of size ${size}.`;

/** log-parameter and set-tag: one checked key and value written to an active run. */
const logKeyValue = (field: 'params' | 'tags', check: (key: string, value: string) => void) => async (c: Context<HubEnv>) => {
  const body = await parseBody(c, z.object({ ...runRef, key: requiredString, value: paramValue }));
  const runId = runIdOf(body);
  const value = body.value ?? '';
  check(body.key, value);
  const s = scope(c);
  await logMlflowWrites(s, await loadActiveRun(s, runId), { [field]: { [body.key]: value } }, false);
  return c.json({});
};

const pyList = (keys: string[]) => `[${keys.map((k) => `'${k}'`).join(', ')}]`;

export const loggingRoutes = new Hono<HubEnv>()
  .post('/runs/log-metric', write, async (c) => {
    const body = await parseBody(c, z.object({ ...runRef, ...metricFields }));
    const runId = runIdOf(body);
    checkKey(body.key);
    const s = scope(c);
    await logMlflowWrites(s, await loadActiveRun(s, runId), { points: [{ key: body.key, value: body.value, timestamp: body.timestamp, step: body.step ?? 0 }] }, false);
    return c.json({});
  })
  .post('/runs/log-parameter', write, logKeyValue('params', checkParam))
  .post('/runs/set-tag', write, logKeyValue('tags', checkTag))
  .post('/runs/delete-tag', write, async (c) => {
    const body = await parseBody(c, z.object({ run_id: requiredString, key: requiredString }));
    const s = scope(c);
    const run = await loadActiveRun(s, body.run_id);
    if (!(await deleteRunTag(s, run, body.key))) throw doesNotExist(`No tag with name: ${body.key} in run with id ${body.run_id}`);
    return c.json({});
  })
  .post('/runs/log-batch', write, async (c) => {
    const body = await parseBody(c, batchSchema, { tooLarge: batchTooLarge });
    const metrics = body.metrics ?? [];
    const params = body.params ?? [];
    const tags = body.tags ?? [];
    // MLflow's order: the batch limits, then each entity, then duplicate param keys.
    checkBatchSizes(metrics.length, params.length, tags.length);
    metrics.forEach((m, i) => checkKey(m.key, `metrics[${i}].key`));
    const paramRecord: Record<string, string> = {};
    const duplicates: string[] = [];
    params.forEach((p, i) => {
      checkParam(p.key, p.value ?? '', `params[${i}].`);
      if (Object.hasOwn(paramRecord, p.key)) duplicates.push(p.key);
      paramRecord[p.key] = p.value ?? '';
    });
    const tagRecord: Record<string, string> = {};
    tags.forEach((t, i) => {
      checkTag(t.key, t.value ?? '', `tags[${i}].`);
      tagRecord[t.key] = t.value ?? ''; // the last value for a key wins, as in MLflow
    });
    if (duplicates.length) {
      throw invalidParam(`Duplicate parameter keys have been submitted: ${pyList(duplicates)}. Please ensure the request contains only one param value per param key.`);
    }
    const s = scope(c);
    const run = await loadActiveRun(s, body.run_id);
    const points = metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 }));
    await logMlflowWrites(s, run, { params: paramRecord, tags: tagRecord, points }, true);
    return c.json({});
  });
