import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { access } from '../auth/access.js';
import { latestVersion } from '../registry/latest.js';
import type { HubEnv } from '../http/env.js';
import { deleteAlias, moveAlias } from '../registry/aliases.js';
import { aliasesOf } from '../registry/models.js';
import { invalidParam } from './errors.js';
import { repeated, requiredString } from './fields.js';
import { scope } from './lookup.js';
import { parseBody, parseQuery } from './request.js';
import { checkAlias, loadModel, loadVersion, versionField, modelVersionJsonOf } from './registry-shapes.js';

/**
 * Aliases are Outpost's own (hub/registry/aliases.ts), so a move made through MLflow lands in the same audit log as
 * one made through /v1, with the caller's key as its actor. Stages do not exist here: every version is in "None".
 */

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const aliasRef = z.object({ name: requiredString, alias: requiredString });

/** Set through the MLflow API; the /v1 audit log shows this as the reason. */
const REASON = 'set through the MLflow API';

async function latestVersions(c: Context<HubEnv>, input: { name: string; stages?: string[] | undefined }) {
  const s = scope(c);
  const model = await loadModel(s, input.name);
  const stages = input.stages ?? [];
  // Every version is in stage "None", so only a request for all stages or for "None" has a latest version.
  if (stages.length && !stages.some((st) => st.toLowerCase() === 'none')) return c.json({});
  const latest = await latestVersion(s, model.id);
  return c.json(latest ? { model_versions: [await modelVersionJsonOf(s, model, latest)] } : {});
}

const latestSchema = z.object({ name: requiredString, stages: repeated(z.string()) });

export const registryAliasRoutes = new Hono<HubEnv>()
  .post('/registered-models/alias', write, async (c) => {
    const body = await parseBody(c, aliasRef.extend({ version: versionField }));
    checkAlias(body.alias);
    const s = scope(c);
    const model = await loadModel(s, body.name);
    const version = await loadVersion(s, model, body.version);
    await moveAlias(s, model, body.alias, version.version, c.get('principal').keyId, REASON);
    return c.json({});
  })
  .delete('/registered-models/alias', write, async (c) => {
    const { name, alias } = await parseQuery(c, aliasRef);
    const s = scope(c);
    const model = await loadModel(s, name);
    // Deleting an alias the model does not have changes nothing, as in MLflow's stores.
    if ((await aliasesOf(s, model.id))[alias] !== undefined) await deleteAlias(s, model, alias, c.get('principal').keyId, REASON);
    return c.json({});
  })
  .get('/registered-models/alias', read, async (c) => {
    const { name, alias } = await parseQuery(c, aliasRef);
    const s = scope(c);
    const model = await loadModel(s, name);
    const target = (await aliasesOf(s, model.id))[alias];
    // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE, not RESOURCE_DOES_NOT_EXIST.
    if (target === undefined) throw invalidParam(`Registered model alias ${alias} not found.`);
    return c.json({ model_version: await modelVersionJsonOf(s, model, await loadVersion(s, model, String(target))) });
  })
  .post('/registered-models/get-latest-versions', read, async (c) => latestVersions(c, await parseBody(c, latestSchema)))
  .get('/registered-models/get-latest-versions', read, async (c) => latestVersions(c, await parseQuery(c, latestSchema)));
