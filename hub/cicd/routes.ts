import { z } from '@hono/zod-openapi';
import { aliasPolicyInputSchema, aliasPolicyListSchema, aliasPolicyReplySchema, gateReplySchema, gateRequestSchema } from '../../shared/schemas/cicd.js';
import { aliasSchema, modelNameSchema } from '../../shared/schemas/registry.js';
import { access } from '../auth/access.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { findModel } from '../registry/models.js';
import { runGate } from './gate.js';
import { deletePolicy, getPolicy, listPolicies, setPolicy } from './policy.js';

const tags = ['cicd'];
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const nameParam = z.object({ name: modelNameSchema });
const aliasParams = z.object({ name: modelNameSchema, alias: aliasSchema });

/** Promotion gates (`POST /v1/models/{name}/gate`) and alias policies (`/v1/models/{name}/aliases/{alias}/policy`). */
export const cicdRoutes = newRouter()
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/models/{name}/gate',
      tags,
      summary: 'Judge a version against gate rules and a baseline (changes nothing)',
      description:
        "`candidate` and `against` are version numbers or alias names of this model. Metrics come from a version's metrics snapshot, else its source run's latest values. " +
        'Without `against`, change rules are skipped; with `allowMissingBaseline`, an `against` alias that does not exist yet is the same as none.',
      middleware: read,
      request: { params: nameParam, ...body(gateRequestSchema) },
      responses: { 200: { description: 'Per-metric results; `passed` is the verdict', content: json(gateReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      return c.json(await runGate(s, await findModel(s, c.req.valid('param').name), c.req.valid('json')), 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/models/{name}/policies', tags, summary: "The model's alias policies", middleware: read, request: { params: nameParam }, responses: { 200: { description: 'Policies', content: json(aliasPolicyListSchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      return c.json({ policies: await listPolicies(s, await findModel(s, c.req.valid('param').name)) }, 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/models/{name}/aliases/{alias}/policy', tags, summary: "The gate an alias requires", middleware: read, request: { params: aliasParams }, responses: { 200: { description: 'Policy', content: json(aliasPolicyReplySchema) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      return c.json({ policy: await getPolicy(s, await findModel(s, name), alias) }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'put',
      path: '/v1/models/{name}/aliases/{alias}/policy',
      tags,
      summary: 'Require a gate of every move of the alias',
      description:
        'A move to a version that fails is 409 listing the failures, unless an admin key sends `force: true` with a `reason` (recorded in the alias history). ' +
        '`baseline` is a version number or an alias; absent, the version the alias points to at the time of the move. Sending the same policy again changes nothing.',
      middleware: write,
      request: { params: aliasParams, ...body(aliasPolicyInputSchema) },
      responses: { 200: { description: 'Stored', content: json(aliasPolicyReplySchema) }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      return c.json({ policy: await setPolicy(s, await findModel(s, name), alias, c.req.valid('json'), s.principal.keyId) }, 200);
    },
  )
  .openapi(
    hubRoute({
      method: 'delete',
      path: '/v1/models/{name}/aliases/{alias}/policy',
      tags,
      summary: "Remove an alias's policy",
      middleware: write,
      request: { params: aliasParams },
      responses: { 200: { description: 'Removed', content: json(z.object({ deleted: z.literal(true) })) }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const { name, alias } = c.req.valid('param');
      await deletePolicy(s, await findModel(s, name), alias);
      return c.json({ deleted: true as const }, 200);
    },
  );
