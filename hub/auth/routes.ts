import { z } from '@hono/zod-openapi';
import { createdKeySchema, createKeySchema, keyInfoSchema, keyListSchema } from '../../shared/schemas/keys.js';
import { errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { access } from './access.js';
import { createKey, listKeys, revokeKey } from './keys.js';

const admin = access({ secret: 'admin' });

const create = hubRoute({
  method: 'post',
  path: '/v1/keys',
  tags: ['keys'],
  summary: 'Create a key',
  description: 'Secret keys (`sk_…`) carry a role: admin, write or read. Publishable keys (`pk_…`) are for devices and public pages. The key is returned once.',
  middleware: admin,
  request: { body: { content: json(createKeySchema), required: true } },
  responses: { 201: { description: 'Created; `secret` is shown only now', content: json(createdKeySchema) }, ...errorResponses(400, 401, 403) },
});

const list = hubRoute({
  method: 'get',
  path: '/v1/keys',
  tags: ['keys'],
  summary: "List the project's keys (never the keys themselves)",
  middleware: admin,
  responses: { 200: { description: 'Keys', content: json(keyListSchema) }, ...errorResponses(401, 403) },
});

const revoke = hubRoute({
  method: 'delete',
  path: '/v1/keys/{id}',
  tags: ['keys'],
  summary: 'Revoke a key',
  description: 'The key stops working at once. Revoking a revoked key returns it unchanged.',
  middleware: admin,
  request: { params: z.object({ id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: { description: 'Revoked', content: json(z.object({ key: keyInfoSchema })) }, ...errorResponses(401, 403, 404) },
});

export const keyRoutes = newRouter()
  .openapi(create, async (c) => c.json(await createKey(scopeOf(c), c.req.valid('json')), 201))
  .openapi(list, async (c) => c.json({ keys: await listKeys(scopeOf(c)) }, 200))
  .openapi(revoke, async (c) => c.json({ key: await revokeKey(scopeOf(c), c.req.valid('param').id) }, 200));
