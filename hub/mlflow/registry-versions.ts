import { Hono, type Context } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { OutpostError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import { modelAliases, modelVersions, registeredModels } from '../db/schema.js';
import type { HubEnv } from '../http/env.js';
import { createVersion, getVersionRow, updateVersion } from '../registry/versions.js';
import { invalidParam } from './errors.js';
import { int64, keyValue, opt, optString, repeated, requiredString } from './fields.js';
import { checkKey, checkTag, checkValue, tagRecord } from './limits.js';
import { scope } from './lookup.js';
import { parseBody, parseQuery } from './request.js';
import { orderOf, parseRegistryFilter, registryMaxResults, searchPage } from './registry-search.js';
import { loadModel, loadVersion, modelVersionJson, SOURCE_TAG, versionField, modelVersionJsonOf } from './registry-shapes.js';
import { versionContent } from './registry-source.js';
import { deleteVersion, deleteVersionTag } from '../registry/deletion.js';

/** model-versions/*: MLflow's ModelVersion over Outpost's immutable versions (see registry-source.ts for `source`). */

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const versionRef = z.object({ name: requiredString, version: versionField });

/** MLflow's SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT and _THRESHOLD. */
const SEARCH_DEFAULT = 10_000;
const SEARCH_LIMIT = 200_000;
const searchSchema = z.object({ filter: optString, max_results: opt(int64), order_by: repeated(z.string()), page_token: optString });
const FILTER_FIELDS = { name: 'string', run_id: 'id', source_path: 'string', version_number: 'number' } as const;
const ORDER_KEYS = ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'];

async function search(c: Context<HubEnv>, input: z.output<typeof searchSchema>) {
  const s = scope(c);
  const rows = await s.db
    .select({ model: registeredModels, version: modelVersions })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(eq(registeredModels.projectId, s.projectId));
  const aliases = await s.db
    .select({ modelId: modelAliases.modelId, alias: modelAliases.alias, version: modelAliases.version })
    .from(modelAliases)
    .innerJoin(registeredModels, eq(registeredModels.id, modelAliases.modelId))
    .where(eq(registeredModels.projectId, s.projectId));
  const items = rows.map(({ model, version }) => {
    const json = modelVersionJson(model, version, aliases.filter((a) => a.modelId === model.id && a.version === version.version).map((a) => a.alias).sort());
    const fields: Record<string, string | number | undefined> = {
      name: model.name,
      version_number: version.version,
      run_id: json.run_id,
      source_path: json.source,
      creation_timestamp: json.creation_timestamp,
      last_updated_timestamp: json.last_updated_timestamp,
    };
    return { json, tags: Object.fromEntries((json.tags ?? []).map((t) => [t.key, t.value])), field: (name: string) => fields[name] };
  });
  const { page, nextPageToken } = searchPage(items, {
    filter: parseRegistryFilter(input.filter ?? '', FILTER_FIELDS),
    order: orderOf(input.order_by ?? [], ORDER_KEYS, [{ key: 'name', desc: false }, { key: 'version_number', desc: true }]),
    maxResults: registryMaxResults(input.max_results, SEARCH_DEFAULT, SEARCH_LIMIT),
    pageToken: input.page_token,
  });
  return c.json({ ...(page.length ? { model_versions: page.map((i) => i.json) } : {}), ...(nextPageToken ? { next_page_token: nextPageToken } : {}) });
}

export const modelVersionRoutes = new Hono<HubEnv>()
  .post('/model-versions/create', write, async (c) => {
    const body = await parseBody(c, z.object({ name: requiredString, source: requiredString, run_id: optString, tags: repeated(keyValue), run_link: optString, description: optString }));
    const tags = tagRecord(body.tags);
    checkValue(body.source, LIMITS.tagValue, 'source');
    const s = scope(c);
    const model = await loadModel(s, body.name);
    const content = await versionContent(s, body.source, body.run_id);
    try {
      const { version: created } = await createVersion(s, model, c.get('principal').keyId, { ...content, description: body.description ?? '', tags: { ...tags, [SOURCE_TAG]: body.source } });
      return c.json({ model_version: await modelVersionJsonOf(s, model, await getVersionRow(s, model, created.version)) });
    } catch (err) {
      // A file whose blob is gone is a bad source here, not a name clash (which is what a 409 would mean to MLflow).
      if (err instanceof OutpostError && err.status === 409) throw invalidParam(`Cannot register ${body.source}: ${err.message}`);
      throw err;
    }
  })
  .get('/model-versions/get', read, async (c) => {
    const { name, version } = await parseQuery(c, versionRef);
    const s = scope(c);
    const model = await loadModel(s, name);
    return c.json({ model_version: await modelVersionJsonOf(s, model, await loadVersion(s, model, version)) });
  })
  .get('/model-versions/search', read, async (c) => search(c, await parseQuery(c, searchSchema)))
  .post('/model-versions/search', read, async (c) => search(c, await parseBody(c, searchSchema)))
  .patch('/model-versions/update', write, async (c) => {
    const body = await parseBody(c, versionRef.extend({ description: optString }));
    const s = scope(c);
    const model = await loadModel(s, body.name);
    const row = await loadVersion(s, model, body.version);
    await updateVersion(s, model, row.version, { description: body.description ?? '' });
    return c.json({ model_version: await modelVersionJsonOf(s, model, await getVersionRow(s, model, row.version)) });
  })
  .delete('/model-versions/delete', write, async (c) => {
    const { name, version } = await parseQuery(c, versionRef);
    const s = scope(c);
    const model = await loadModel(s, name);
    const row = await loadVersion(s, model, version);
    await deleteVersion(s, model, row);
    return c.json({});
  })
  .post('/model-versions/set-tag', write, async (c) => {
    const body = await parseBody(c, versionRef.extend({ key: requiredString, value: opt(z.string()) }));
    checkTag(body.key, body.value ?? '');
    const s = scope(c);
    const model = await loadModel(s, body.name);
    const row = await loadVersion(s, model, body.version);
    await updateVersion(s, model, row.version, { tags: { [body.key]: body.value ?? '' } });
    return c.json({});
  })
  .delete('/model-versions/delete-tag', write, async (c) => {
    const { name, version, key } = await parseQuery(c, versionRef.extend({ key: requiredString }));
    checkKey(key);
    const s = scope(c);
    const model = await loadModel(s, name);
    await deleteVersionTag(s, await loadVersion(s, model, version), key);
    return c.json({});
  })
  .get('/model-versions/get-download-uri', read, async (c) => {
    const { name, version } = await parseQuery(c, versionRef);
    const s = scope(c);
    const model = await loadModel(s, name);
    const row = await loadVersion(s, model, version);
    // The version's files are served by digest, listed in its manifest; MLflow's artifact download does not apply.
    const origin = new URL(c.req.url).origin;
    return c.json({ artifact_uri: `${origin}/v1/models/${encodeURIComponent(model.name)}/versions/${row.version}/manifest` });
  });
