import { syncBatchSchema, syncResultSchema } from '../../../shared/schemas/sync.js';
import { access } from '../../auth/access.js';
import { crossOrigin } from '../../http/cross-origin.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../../http/openapi.js';
import { scopeOf } from '../../http/scope.js';
import type { SyncDispatcher } from './dispatcher.js';

/** `POST /v1/sync`, applying each item with the handler its domain registered with the dispatcher. */
export function syncRoutes(dispatcher: SyncDispatcher) {
  const router = newRouter();
  router.use('/v1/sync', crossOrigin());
  return router.openapi(
    hubRoute({
      method: 'post',
      path: '/v1/sync',
      tags: ['sync'],
      summary: `Apply a device outbox batch (${dispatcher.types.join(', ')})`,
      description:
        'Each item has a client-made `id`; an item already applied is reported `duplicate` and changes nothing. Items may arrive out of order. ' +
        'An item of a type the hub does not know, or with bad fields, is rejected alone. ' +
        dispatcher.description,
      middleware: access({ secret: 'write', device: true }),
      request: body(syncBatchSchema),
      responses: { 200: { description: 'Per-item results', content: json(syncResultSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await dispatcher.apply(scopeOf(c), c.req.valid('json').items), 200),
  );
}
