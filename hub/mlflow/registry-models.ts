import { eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import { registeredModels } from '../db/schema.js';
import type { HubEnv } from '../http/env.js';
import { createModel, updateModel } from '../registry/models.js';
import { uniqueName } from './errors.js';
import { int64, keyValue, opt, optString, repeated, requiredString } from './fields.js';
import { checkKey, checkTag, tagRecord } from './limits.js';
import { scope } from './lookup.js';
import { parseBody, parseQuery } from './request.js';
import { orderOf, parseRegistryFilter, registryMaxResults, searchPage } from './registry-search.js';
import { checkModelName, loadModel, modelAlreadyExists, registeredModelJson } from './registry-shapes.js';
import { deleteModel, deleteModelTag } from '../registry/deletion.js';

/** registered-models/*: MLflow's RegisteredModel over Outpost's registered_models (see registry-shapes.ts). */

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const nameOnly = z.object({ name: requiredString });

/** MLflow's SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT and _THRESHOLD. */
const SEARCH_DEFAULT = 100;
const SEARCH_LIMIT = 1000;

const searchSchema = z.object({ filter: optString, max_results: opt(int64), order_by: repeated(z.string()), page_token: optString });

/** Searched by name and tags, ordered by name unless asked otherwise (MLflow's default). */
async function search(c: Context<HubEnv>, input: z.output<typeof searchSchema>) {
  const s = scope(c);
  const rows = await s.db.select().from(registeredModels).where(eq(registeredModels.projectId, s.projectId));
  const items = rows.map((row) => {
    const fields: Record<string, string | number> = { name: row.name, creation_timestamp: row.createdAt, last_updated_timestamp: row.updatedAt };
    return { row, tags: row.tags, field: (name: string) => fields[name] };
  });
  const { page, nextPageToken } = searchPage(items, {
    filter: parseRegistryFilter(input.filter ?? '', { name: 'string' }),
    order: orderOf(input.order_by ?? [], ['name', 'creation_timestamp', 'last_updated_timestamp'], [{ key: 'name', desc: false }]),
    maxResults: registryMaxResults(input.max_results, SEARCH_DEFAULT, SEARCH_LIMIT),
    pageToken: input.page_token,
  });
  const models = await Promise.all(page.map((item) => registeredModelJson(s.db, item.row)));
  return c.json({ ...(models.length ? { registered_models: models } : {}), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) });
}


export const registeredModelRoutes = new Hono<HubEnv>()
  .post('/registered-models/create', write, async (c) => {
    const body = await parseBody(c, z.object({ name: requiredString, tags: repeated(keyValue), description: optString }));
    checkModelName(body.name);
    const tags = tagRecord(body.tags);
    const s = scope(c);
    const model = await uniqueName(body.name, modelAlreadyExists, () => createModel(s, c.get('principal').keyId, { name: body.name, description: body.description ?? '', tags }));
    return c.json({ registered_model: await registeredModelJson(s.db, model) });
  })
  .get('/registered-models/get', read, async (c) => {
    const { name } = await parseQuery(c, nameOnly);
    const s = scope(c);
    return c.json({ registered_model: await registeredModelJson(s.db, await loadModel(s, name)) });
  })
  .get('/registered-models/search', read, async (c) => search(c, await parseQuery(c, searchSchema)))
  .post('/registered-models/search', read, async (c) => search(c, await parseBody(c, searchSchema)))
  .patch('/registered-models/update', write, async (c) => {
    const body = await parseBody(c, nameOnly.extend({ description: optString }));
    const s = scope(c);
    const model = await loadModel(s, body.name);
    // An unset description clears it, as MLflow's handler reads the proto field's default.
    await updateModel(s, model, { description: body.description ?? '' });
    return c.json({ registered_model: await registeredModelJson(s.db, await loadModel(s, model.name)) });
  })
  .post('/registered-models/rename', write, async (c) => {
    const body = await parseBody(c, nameOnly.extend({ new_name: requiredString }));
    checkModelName(body.new_name, 'new_name');
    const s = scope(c);
    const model = await loadModel(s, body.name);
    if (model.name === body.new_name) return c.json({ registered_model: await registeredModelJson(s.db, model) });
    const renamed = await uniqueName(body.new_name, modelAlreadyExists, () => updateModel(s, model, { name: body.new_name }));
    return c.json({ registered_model: await registeredModelJson(s.db, { ...model, name: renamed.name, updatedAt: renamed.updatedAt }) });
  })
  .delete('/registered-models/delete', write, async (c) => {
    const { name } = await parseQuery(c, nameOnly);
    const s = scope(c);
    await deleteModel(s, await loadModel(s, name));
    return c.json({});
  })
  .post('/registered-models/set-tag', write, async (c) => {
    const body = await parseBody(c, nameOnly.extend({ key: requiredString, value: opt(z.string()) }));
    checkTag(body.key, body.value ?? '');
    const s = scope(c);
    const model = await loadModel(s, body.name);
    await updateModel(s, model, { tags: { [body.key]: body.value ?? '' } });
    return c.json({});
  })
  .delete('/registered-models/delete-tag', write, async (c) => {
    const { name, key } = await parseQuery(c, nameOnly.extend({ key: requiredString }));
    checkKey(key);
    const s = scope(c);
    await deleteModelTag(s, await loadModel(s, name), key);
    return c.json({});
  });
