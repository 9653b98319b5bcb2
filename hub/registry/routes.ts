import { createRoute, z } from '@hono/zod-openapi';
import {
  aliasHistorySchema,
  aliasMoveSchema,
  aliasReasonSchema,
  aliasSchema,
  createModelSchema,
  createVersionSchema,
  manifestSchema,
  modelListSchema,
  modelNameSchema,
  modelReplySchema,
  moveAliasSchema,
  rollbackAliasSchema,
  updateModelSchema,
  versionListSchema,
  versionReplySchema,
} from '../../shared/schemas/registry.js';
import type { Context } from 'hono';
import { parseModelRef } from '../../shared/refs.js';
import { access } from '../auth/access.js';
import { crossOrigin } from '../http/cross-origin.js';
import type { HubEnv } from '../http/env.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { deleteModel, deleteVersion } from './deletion.js';
import { aliasHistory, deleteAlias, moveAlias, rollbackAlias } from './aliases.js';
import { resolveActors } from '../audit/actors.js';
import { manifestOf } from './manifest.js';
import { patchModel } from './exposure.js';
import { assertDeviceReadable, createModel, findModel, listModels, toModel } from './models.js';
import { publishVersion } from './publish.js';
import { resolveModelRef } from './refs.js';
import { activeRollout, assignedVersion } from '../rollouts/rollouts.js';
import { getVersionRow, lineageOf, listVersions, modelVersionOf } from './versions.js';

const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const path = (name: string) => ({ param: { name, in: 'path' as const } });
const nameParam = { name: modelNameSchema.openapi(path('name')) };
const versionParam = { version: z.coerce.number().int().positive().openapi(path('version')) };
const aliasParam = { alias: aliasSchema.openapi(path('alias')) };
const modelReply = json(modelReplySchema);
const versionReply = json(versionReplySchema);
const moveReply = json(aliasMoveSchema);
const route = <R extends Parameters<typeof createRoute>[0]>(r: R) => hubRoute({ ...r, tags: ['registry'] });

const router = newRouter();
// What a page on another origin uses: manifests, and publishing its fine-tunes (runtime/training/publish.ts).
for (const path of ['/v1/models', '/v1/models/:name/versions', '/v1/models/:ref/manifest', '/v1/models/:name/versions/:version/manifest']) router.use(path, crossOrigin());

export const registryRoutes = router
  .openapi(
    route({ method: 'post', path: '/v1/models', summary: 'Register a model', middleware: write, request: body(createModelSchema), responses: { 201: { description: 'Created', content: modelReply }, ...errorResponses(400, 401, 403, 409) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ model: await toModel(s, await createModel(s, c.get('principal').keyId, c.req.valid('json'))) }, 201);
    },
  )
  .openapi(
    route({ method: 'get', path: '/v1/models', summary: 'List models', middleware: read, responses: { 200: { description: 'Models', content: json(modelListSchema) }, ...errorResponses(401, 403) } }),
    async (c) => c.json({ models: await listModels(scopeOf(c)) }, 200),
  )
  .openapi(
    route({ method: 'get', path: '/v1/models/{name}', summary: 'A model with its aliases', middleware: read, request: { params: z.object(nameParam) }, responses: { 200: { description: 'Model', content: modelReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ model: await toModel(s, await findModel(s, c.req.valid('param').name)) }, 200);
    },
  )
  .openapi(
    route({
      method: 'patch',
      path: '/v1/models/{name}',
      summary: 'Rename, describe, tag, or expose a model to devices',
      description: '`devices: true` lets publishable keys read its manifests and files. A new `name` keeps the versions, aliases and their history; a name already taken is 409.',
      middleware: write,
      request: { params: z.object(nameParam), ...body(updateModelSchema) },
      responses: { 200: { description: 'Updated', content: modelReply }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ model: await patchModel(s, await findModel(s, c.req.valid('param').name), c.req.valid('json')) }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/models/{name}/versions',
      summary: 'Register a version (files must be uploaded first)',
      description:
        'Numbered 1, 2, 3…, immutable in files, format and signature. The signature is read from the ONNX graph or the tfjs model.json when not given. Missing blobs: 409 listing them. ' +
        'With a `runId`, publishing the same format and files again returns the version made the first time (200 instead of 201). ' +
        'A fine-tune names its base with `baseModel` + `baseVersion`; into `<baseModel>-device-candidates` the model is made on first publish. ' +
        'Publishable keys may publish only when the project allows device publishing, only into `<baseModel>-device-candidates`, with full lineage and no alias.',
      middleware: access({ secret: 'write', device: true }),
      request: { params: z.object(nameParam), ...body(createVersionSchema) },
      responses: { 200: { description: 'Published before by the same run: that version', content: versionReply }, 201: { description: 'Created', content: versionReply }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { version, created } = await publishVersion(scopeOf(c), c.req.valid('param').name, c.req.valid('json'));
      return c.json({ version }, created ? 201 : 200);
    },
  )
  .openapi(
    route({ method: 'get', path: '/v1/models/{name}/versions', summary: "A model's versions", middleware: read, request: { params: z.object(nameParam) }, responses: { 200: { description: 'Versions', content: json(versionListSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ versions: await listVersions(s, await findModel(s, c.req.valid('param').name)) }, 200);
    },
  )
  .openapi(
    route({ method: 'get', path: '/v1/models/{name}/versions/{version}', summary: 'One version', middleware: read, request: { params: z.object({ ...nameParam, ...versionParam }) }, responses: { 200: { description: 'Version', content: versionReply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const model = await findModel(s, name);
      return c.json({ version: await modelVersionOf(s, model, await getVersionRow(s, model, version)) }, 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/v1/models/{name}',
      summary: 'Delete a model for good',
      description: 'Its versions, aliases, alias history and device telemetry go with it; the blobs stay in the project.',
      middleware: write,
      request: { params: z.object(nameParam) },
      responses: { 200: { description: 'Deleted', content: json(z.object({ deleted: z.literal(true) })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      await deleteModel(s, await findModel(s, c.req.valid('param').name));
      return c.json({ deleted: true as const }, 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/v1/models/{name}/versions/{version}',
      summary: 'Delete a version for good',
      description: 'Aliases that pointed at it are removed (recorded in the alias history), and its device telemetry goes with it.',
      middleware: write,
      request: { params: z.object({ ...nameParam, ...versionParam }) },
      responses: { 200: { description: 'Deleted', content: json(z.object({ deleted: z.literal(true) })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, version } = c.req.valid('param');
      const model = await findModel(s, name);
      await deleteVersion(s, model, await getVersionRow(s, model, version));
      return c.json({ deleted: true as const }, 200);
    },
  )
  .openapi(
    route({
      method: 'put',
      path: '/v1/models/{name}/aliases/{alias}',
      summary: 'Point an alias at a version (recorded in the audit log)',
      description: "With an alias policy, a version that fails its gate is 409 listing the failures; an admin key may send `force: true` with a `reason`.",
      middleware: write,
      request: { params: z.object({ ...nameParam, ...aliasParam }), ...body(moveAliasSchema) },
      responses: { 200: { description: 'Moved', content: moveReply }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      const { version, reason, force } = c.req.valid('json');
      return c.json(await moveAlias(s, await findModel(s, name), alias, version, c.get('principal').keyId, reason, { force, admin: s.principal.role === 'admin' }), 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/v1/models/{name}/aliases/{alias}',
      summary: 'Remove an alias (recorded)',
      middleware: write,
      request: { params: z.object({ ...nameParam, alias: z.string().openapi(path('alias')) }), query: aliasReasonSchema },
      responses: { 200: { description: 'Removed', content: moveReply }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      return c.json(await deleteAlias(s, await findModel(s, name), alias, c.get('principal').keyId, c.req.valid('query').reason), 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/v1/models/{name}/aliases/{alias}/rollback',
      summary: 'Move an alias back to its previous version',
      description: '409 when the alias has no earlier version, or when that version fails the alias policy (an admin key may send `force: true`).',
      middleware: write,
      request: { params: z.object({ ...nameParam, alias: z.string().openapi(path('alias')) }), body: { content: json(rollbackAliasSchema), required: false } },
      responses: { 200: { description: 'Rolled back', content: moveReply }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      const { reason, force } = (c.req.valid('json') as { reason?: string; force?: boolean } | undefined) ?? {};
      return c.json(await rollbackAlias(s, await findModel(s, name), alias, c.get('principal').keyId, reason, { force, admin: s.principal.role === 'admin' }), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/models/{name}/history',
      summary: 'Alias moves, newest first (from, to, who, when, why)',
      middleware: read,
      request: { params: z.object(nameParam), query: z.object({ alias: z.string().optional() }) },
      responses: { 200: { description: 'Audit log', content: json(aliasHistorySchema) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const model = await findModel(s, c.req.valid('param').name);
      const events = await aliasHistory(s, model, c.req.valid('query').alias);
      const actors = await resolveActors(s, events.map((e) => e.actor));
      return c.json({ events: events.map((e) => ({ ...e, actor: e.actor === null ? null : actors.get(e.actor)! })) }, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/models/{ref}/manifest',
      summary: 'What a device needs: version, format, signature, files (by digest) — for `name@alias` or `name`',
      description: '`name` alone means `name@production`. `If-None-Match` with the ETag gives 304. Publishable keys see only models exposed to devices.',
      middleware: access({ secret: 'read', device: true }),
      request: { params: z.object({ ref: z.string().min(1).openapi(path('ref')) }) },
      responses: { 200: { description: 'Manifest', content: json(manifestSchema) }, 304: { description: 'Not modified' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => manifestResponse(c, parseModelRef(c.req.valid('param').ref)),
  )
  .openapi(
    route({
      method: 'get',
      path: '/v1/models/{name}/versions/{version}/manifest',
      summary: 'The manifest of one version',
      middleware: access({ secret: 'read', device: true }),
      request: { params: z.object({ ...nameParam, ...versionParam }) },
      responses: { 200: { description: 'Manifest', content: json(manifestSchema) }, 304: { description: 'Not modified' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { name, version } = c.req.valid('param');
      return manifestResponse(c, { name, version });
    },
  );

async function manifestResponse(c: Context<HubEnv>, ref: ReturnType<typeof parseModelRef>): Promise<Response> {
  const s = scopeOf(c);
  const resolved = await resolveModelRef(s, ref);
  const { model } = resolved;
  assertDeviceReadable(model, c.get('principal').kind);
  // A rollout of this alias decides per device which version it gets; the ETag names that version.
  const rollout = 'alias' in ref ? await activeRollout(s, model, ref.alias) : null;
  const device = c.req.header('outpost-device');
  const version = rollout ? await getVersionRow(s, model, assignedVersion(rollout, device)) : resolved.version;
  const manifest = manifestOf(model, version, await lineageOf(s, model, version));
  // A version's manifest never changes; an alias's may move, so it is revalidated.
  const cache = 'version' in ref ? 'private, max-age=31536000, immutable' : 'private, no-cache';
  const headers = { ETag: manifest.etag, 'Cache-Control': cache };
  if (c.req.header('if-none-match')?.split(',').some((t) => t.trim() === manifest.etag)) return c.body(null, 304, headers);
  return c.json(manifest, 200, headers);
}
