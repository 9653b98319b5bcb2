import { z } from '@hono/zod-openapi';
import { createRolloutSchema, rolloutActionSchema, rolloutSchema } from '../../shared/schemas/rollouts.js';
import { modelNameSchema } from '../../shared/schemas/registry.js';
import { access } from '../auth/access.js';
import { body, errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { findModel } from '../registry/models.js';
import { checkRollout, controlRollout, createRollout, findRollout, listRollouts, withFigures, type RolloutAction } from './rollouts.js';

const tags = ['rollouts'];
const read = access({ secret: 'read' });
const write = access({ secret: 'write' });
const nameParam = z.object({ name: modelNameSchema });
const idParams = z.object({ name: modelNameSchema, id: z.string().min(1).max(64) });
// DESIGN §11: one rollout is the bare object, as GET, create and every action answer it.
const reply = json(rolloutSchema);

const control = (action: RolloutAction, summary: string) =>
  hubRoute({
    method: 'post',
    path: `/v1/models/{name}/rollouts/{id}/${action}`,
    tags,
    summary,
    middleware: write,
    request: { params: idParams, body: { content: json(rolloutActionSchema), required: false } },
    responses: { 200: { description: 'The rollout after the action (the same action again changes nothing)', content: reply }, ...errorResponses(400, 401, 403, 404, 409) },
  });

/** Staged rollouts of an alias to devices (`/v1/models/{name}/rollouts…`). */
export const rolloutRoutes = newRouter()
  .openapi(
    hubRoute({
      method: 'post',
      path: '/v1/models/{name}/rollouts',
      tags,
      summary: 'Start moving an alias to a version in steps of devices, checked against telemetry',
      description: '409 while another rollout of the alias runs or is paused; 404 when the alias does not exist.',
      middleware: write,
      request: { params: nameParam, ...body(createRolloutSchema) },
      responses: { 201: { description: 'Started', content: reply }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const s = scopeOf(c);
      const model = await findModel(s, c.req.valid('param').name);
      const row = await createRollout(s, model, c.req.valid('json'), c.get('principal').keyId);
      return c.json((await withFigures(s, model, [row]))[0]!, 201);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/models/{name}/rollouts', tags, summary: 'The model’s rollouts, newest first (the last 100)', middleware: read, request: { params: nameParam }, responses: { 200: { description: 'Rollouts', content: json(z.object({ rollouts: z.array(rolloutSchema) })) }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const model = await findModel(s, c.req.valid('param').name);
      return c.json({ rollouts: await withFigures(s, model, await listRollouts(s, model)) }, 200);
    },
  )
  .openapi(
    hubRoute({ method: 'get', path: '/v1/models/{name}/rollouts/{id}', tags, summary: 'One rollout: state, step, figures per version, decisions', middleware: read, request: { params: idParams }, responses: { 200: { description: 'Rollout', content: reply }, ...errorResponses(401, 403, 404) } }),
    async (c) => {
      const s = scopeOf(c);
      const { name, id } = c.req.valid('param');
      const model = await findModel(s, name);
      const row = await checkRollout(s, model, await findRollout(s, model, id));
      return c.json((await withFigures(s, model, [row]))[0]!, 200);
    },
  );

for (const [action, summary] of [
  ['pause', 'Pause: devices keep their versions, no checks'],
  ['resume', 'Resume: the current step runs its interval again'],
  ['abort', 'Abort: every device back on the stable version, the alias stays'],
  ['promote', 'Promote now: the alias moves to the candidate'],
] as const) {
  rolloutRoutes.openapi(control(action, summary), async (c) => {
    const s = scopeOf(c);
    const { name, id } = c.req.valid('param');
    const model = await findModel(s, name);
    const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason;
    const row = await controlRollout(s, model, id, action, c.get('principal').keyId, reason);
    return c.json((await withFigures(s, model, [row]))[0]!, 200);
  });
}
