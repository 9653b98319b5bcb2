import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { createExperiment, ensureExperiment, findExperimentByName, listExperiments, toExperiment, updateExperiment } from '../tracking/experiments.js';
import { doesNotExist, invalidParam, MlflowError, uniqueName } from './errors.js';
import { searchExperiments } from './experiment-search.js';
import { experimentIdField, int64, keyValue, LIFECYCLE_OF_VIEW, maxResults, opt, optString, repeated, requiredString, viewType } from './fields.js';
import { checkExperimentName, checkKey, checkValue, EXPERIMENT_TAG_VALUE, tagRecord } from './limits.js';
import { assertExperimentActive, DEFAULT_EXPERIMENT_NAME, loadExperiment, scope } from './lookup.js';
import { parseBody, parseQuery } from './request.js';
import { experimentJson } from './shapes.js';

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });

const alreadyExists = (name: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);

const experimentIdOnly = z.object({ experiment_id: z.preprocess((v) => (v === '' ? undefined : v), experimentIdField) });

const searchSchema = z.object({
  max_results: opt(int64),
  page_token: optString,
  filter: optString,
  order_by: repeated(z.string()),
  view_type: opt(viewType),
});

/** experiments/search is registered for POST and GET, as in MLflow's handlers. */
async function search(c: Context<HubEnv>, input: z.output<typeof searchSchema>) {
  const s = scope(c);
  const all = await listExperiments(s, LIFECYCLE_OF_VIEW[input.view_type ?? 'ACTIVE_ONLY']);
  const found = searchExperiments(all, { filter: input.filter, orderBy: input.order_by, maxResults: maxResults(input.max_results), pageToken: input.page_token });
  return c.json({
    ...(found.experiments.length ? { experiments: found.experiments.map(experimentJson) } : {}),
    ...(found.nextPageToken ? { next_page_token: found.nextPageToken } : {}),
  });
}

export const experimentRoutes = new Hono<HubEnv>()
  .post('/experiments/create', write, async (c) => {
    const body = await parseBody(c, z.object({ name: requiredString, artifact_location: optString, tags: repeated(keyValue) }));
    checkExperimentName(body.name);
    // Artifacts live in project blobs, so a custom artifact_location is accepted and ignored; MLflow's one rule still holds.
    if (body.artifact_location?.startsWith('runs:')) throw invalidParam(`Invalid value '${body.artifact_location}' for parameter 'artifact_location': it cannot be a runs:/ URI.`);
    const tags = tagRecord(body.tags, 'tags', EXPERIMENT_TAG_VALUE);
    const s = scope(c);
    if (await findExperimentByName(s, body.name)) throw alreadyExists(body.name);
    const created = await uniqueName(body.name, alreadyExists, () => createExperiment(s, { name: body.name, tags }));
    return c.json({ experiment_id: created.id });
  })
  .get('/experiments/get', read, async (c) => {
    const { experiment_id } = await parseQuery(c, experimentIdOnly);
    return c.json({ experiment: experimentJson(toExperiment(await loadExperiment(scope(c), experiment_id))) });
  })
  .get('/experiments/get-by-name', read, async (c) => {
    const { experiment_name } = await parseQuery(c, z.object({ experiment_name: requiredString }));
    const s = scope(c);
    // "Default" exists on every MLflow server; create it on first use like experiment "0".
    const row =
      experiment_name === DEFAULT_EXPERIMENT_NAME ? await ensureExperiment(s, experiment_name) : await findExperimentByName(s, experiment_name);
    if (!row) throw doesNotExist(`Could not find experiment with name '${experiment_name}'`);
    return c.json({ experiment: experimentJson(toExperiment(row)) });
  })
  .post('/experiments/search', read, async (c) => search(c, await parseBody(c, searchSchema)))
  .get('/experiments/search', read, async (c) => search(c, await parseQuery(c, searchSchema)))
  .post('/experiments/update', write, async (c) => {
    const body = await parseBody(c, experimentIdOnly.extend({ new_name: requiredString }));
    checkExperimentName(body.new_name, 'new_name');
    const s = scope(c);
    const row = await loadExperiment(s, body.experiment_id);
    // MLflow raises INVALID_STATE here, which it serves as a 500.
    if (row.lifecycle !== 'active') throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.');
    if (row.name !== body.new_name) await uniqueName(body.new_name, alreadyExists, () => updateExperiment(s, row, { name: body.new_name }));
    return c.json({});
  })
  .post('/experiments/delete', write, async (c) => setLifecycle(c, 'deleted'))
  .post('/experiments/restore', write, async (c) => setLifecycle(c, 'active'))
  .post('/experiments/set-experiment-tag', write, async (c) => {
    const body = await parseBody(c, experimentIdOnly.extend({ key: requiredString, value: opt(z.string()) }));
    checkKey(body.key);
    checkValue(body.value ?? '', EXPERIMENT_TAG_VALUE);
    const s = scope(c);
    const row = await loadExperiment(s, body.experiment_id);
    assertExperimentActive(row);
    await updateExperiment(s, row, { tags: { [body.key]: body.value ?? '' } });
    return c.json({});
  });

/**
 * Delete needs an active experiment and restore a deleted one; otherwise MLflow answers RESOURCE_DOES_NOT_EXIST.
 * Unlike SqlAlchemyStore, the experiment's runs keep their own lifecycle: /v1 does the same, and restoring does
 * not revive runs that were deleted on purpose before. Searches still see the runs of a deleted experiment.
 */
async function setLifecycle(c: Context<HubEnv>, to: 'active' | 'deleted') {
  const { experiment_id } = await parseBody(c, experimentIdOnly);
  const s = scope(c);
  const row = await loadExperiment(s, experiment_id);
  if (row.lifecycle === to) {
    throw doesNotExist(to === 'deleted' ? `No Experiment with id=${experiment_id} exists` : `No deleted Experiment with id=${experiment_id} exists`);
  }
  await updateExperiment(s, row, { lifecycle: to });
  return c.json({});
}
