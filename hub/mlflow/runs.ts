import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { LIMITS } from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { runWithInputs } from '../tracking/inputs.js';
import { randomRunName } from '../tracking/run-names.js';
import { createRun, updateRun } from '../tracking/runs.js';
import { searchRuns } from '../tracking/search.js';
import { invalidParam } from './errors.js';
import { experimentIdField, int64, keyValue, LIFECYCLE_OF_VIEW, maxResults, opt, optString, repeated, requiredString, runIdOf, runRef, runStatus, viewType } from './fields.js';
import { checkValue, tagRecord } from './limits.js';
import { assertExperimentActive, loadActiveRun, loadExperiment, loadRun, resolveExperimentId, scope } from './lookup.js';
import { parseBody, parseQuery } from './request.js';
import { runInfoJson, runJson } from './shapes.js';
import { logMlflowWrites, RUN_NAME_TAG } from './writes.js';

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });

const createSchema = z.object({
  experiment_id: opt(experimentIdField),
  user_id: optString,
  run_name: optString,
  start_time: opt(int64),
  tags: repeated(keyValue),
});

const searchSchema = z.object({
  experiment_ids: repeated(experimentIdField),
  filter: optString,
  run_view_type: opt(viewType),
  max_results: opt(int64),
  order_by: repeated(z.string()),
  page_token: optString,
});

async function setLifecycle(c: Context<HubEnv>, lifecycle: 'active' | 'deleted') {
  const { run_id } = await parseBody(c, z.object({ run_id: requiredString }));
  const s = scope(c);
  await updateRun(s, await loadRun(s, run_id), { lifecycle });
  return c.json({});
}

export const runRoutes = new Hono<HubEnv>()
  .post('/runs/create', write, async (c) => {
    const body = await parseBody(c, createSchema);
    const tags = tagRecord(body.tags);
    const tagged = tags[RUN_NAME_TAG];
    if (body.run_name && tagged !== undefined && tagged !== body.run_name) {
      throw invalidParam(
        `Both 'run_name' argument and '${RUN_NAME_TAG}' tag are specified, but with different values (run_name='${body.run_name}', ${RUN_NAME_TAG}='${tagged}').`,
      );
    }
    const name = body.run_name || tagged || randomRunName();
    checkValue(name, LIMITS.runName, 'run_name');
    tags[RUN_NAME_TAG] = name;
    const s = scope(c);
    // An absent or empty experiment_id is "0", as in SqlAlchemyStore: the project's "Default" experiment.
    const experiment = await loadExperiment(s, body.experiment_id ?? '0');
    assertExperimentActive(experiment);
    // user_id is deprecated in the request; the client's mlflow.user tag says the same thing.
    const userId = body.user_id || tags['mlflow.user'] || undefined;
    const { run } = await createRun(s, { experimentId: experiment.id, name, startTime: body.start_time, source: 'api', userId, tags });
    return c.json({ run: runJson(run) });
  })
  .post('/runs/update', write, async (c) => {
    const body = await parseBody(c, z.object({ ...runRef, status: opt(runStatus), end_time: opt(int64), run_name: optString }));
    const runId = runIdOf(body);
    const s = scope(c);
    const row = await loadActiveRun(s, runId);
    if (body.run_name) {
      checkValue(body.run_name, LIMITS.runName, 'run_name');
      // The tag and the name change in one batch; updateRun then sets status and end time.
      await logMlflowWrites(s, row, { tags: { [RUN_NAME_TAG]: body.run_name } }, false);
    }
    const run = await updateRun(s, row, { name: body.run_name || undefined, status: body.status, endTime: body.end_time });
    return c.json({ run_info: runInfoJson(run) });
  })
  .get('/runs/get', read, async (c) => {
    const runId = runIdOf(await parseQuery(c, z.object(runRef)));
    const s = scope(c);
    const run = await runWithInputs(s, await loadRun(s, runId));
    return c.json({ run: runJson(run, run.inputs) });
  })
  .post('/runs/search', read, async (c) => {
    const body = await parseBody(c, searchSchema);
    const s = scope(c);
    const limit = maxResults(body.max_results);
    const experimentIds = await Promise.all((body.experiment_ids ?? []).map((id) => resolveExperimentId(s, id)));
    if (experimentIds.length === 0) return c.json({});
    const found = await searchRuns(s, {
      experimentIds,
      filter: body.filter,
      orderBy: body.order_by,
      limit,
      pageToken: body.page_token || undefined,
      lifecycle: LIFECYCLE_OF_VIEW[body.run_view_type ?? 'ACTIVE_ONLY'],
    });
    return c.json({
      ...(found.runs.length ? { runs: found.runs.map((r) => runJson(r)) } : {}),
      ...(found.nextPageToken ? { next_page_token: found.nextPageToken } : {}),
    });
  })
  .post('/runs/delete', write, async (c) => setLifecycle(c, 'deleted'))
  .post('/runs/restore', write, async (c) => setLifecycle(c, 'active'));
