import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { ModelRef } from '../../shared/refs.js';
import { access } from '../auth/access.js';
import { capBody } from '../http/guards.js';
import { bodyBytes } from '../http/body.js';
import type { HubEnv } from '../http/env.js';
import { scopeOf } from '../http/scope.js';
import { assertDeviceReadable } from '../registry/models.js';
import { listVersions } from '../registry/versions.js';
import { VERSION } from '../version.js';
import { inferenceErrorHandler } from './errors.js';
import { modelMetadata } from './metadata.js';
import { HEADER_LENGTH, InferenceError } from './protocol.js';
import { splitBody } from './request.js';
import { resolveServedVersion } from './resolve.js';
import type { ResolvedVersion } from './server.js';

const ON_NODE_ONLY = 'inference runs on the Node hub';
const reader = access({ secret: 'read', device: true });

/** `{version}` is a version number or an alias; none means the `production` alias. */
function refOf(c: Context<HubEnv>): ModelRef {
  const name = c.req.param('name')!;
  const version = c.req.param('version');
  if (version === undefined) return { name, alias: 'production' };
  if (!/^\d+$/.test(version)) return { name, alias: version };
  const number = Number(version);
  if (!Number.isSafeInteger(number) || number < 1) throw new InferenceError(400, `version must be a version number from 1 to ${Number.MAX_SAFE_INTEGER} or an alias (got "${version.slice(0, 40)}")`);
  return { name, version: number };
}

/** The version the request names, read now (an alias that moved is seen at once); pk_ keys see only exposed models. */
async function resolve(c: Context<HubEnv>): Promise<ResolvedVersion> {
  const resolved = await resolveServedVersion(scopeOf(c), refOf(c), c.get('reads'));
  assertDeviceReadable(resolved.model, c.get('principal').kind);
  return resolved;
}

function serverOf(c: Context<HubEnv>) {
  const server = c.get('deps').serving;
  if (!server) throw new InferenceError(501, ON_NODE_ONLY);
  return server;
}

const router = new Hono<HubEnv>();
router.onError(inferenceErrorHandler);
// The runtime's remote backend calls these from pages on other origins, with binary tensors both ways. Hono's cors
// adds Vary after the handler, and a header set on a finished response makes Hono rebuild it, copying its body (a
// full copy of every reply, seen in the hub's profile); so only the preflight is Hono's, and the headers of a
// request go on before the handler.
const preflight = cors({
  origin: (origin) => origin || null,
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Authorization', 'Content-Type', HEADER_LENGTH],
  exposeHeaders: [HEADER_LENGTH],
  maxAge: 7200,
});
router.use('/v2/models/*', async (c, next) => {
  if (c.req.method === 'OPTIONS') return preflight(c, next);
  const origin = c.req.header('origin');
  c.header('Vary', 'Origin');
  if (origin) {
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Expose-Headers', HEADER_LENGTH);
  }
  await next();
});

router.get('/v2', (c) => c.json({ name: 'outpost', version: VERSION, extensions: c.get('deps').serving ? ['binary_tensor_data'] : [] }));
router.get('/v2/health/live', (c) => c.json({ live: true }));
router.get('/v2/health/ready', (c) => c.json({ ready: true }));

for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
  router.get(base, reader, async (c) => {
    const resolved = await resolve(c);
    const versions = await listVersions(scopeOf(c), resolved.model);
    return c.json(modelMetadata(resolved.model, resolved.version, versions.map((v) => v.version)));
  });
  // Ready means loaded: the first check loads the version, so a probe warms it before traffic comes.
  router.get(`${base}/ready`, reader, async (c) => {
    const resolved = await resolve(c);
    await serverOf(c).load(resolved);
    return c.json({ name: resolved.model.name, version: String(resolved.version.version), ready: true });
  });
  router.post(
    `${base}/infer`,
    reader,
    (c, next) => capBody(c.get('deps').config.maxBody, () => new InferenceError(413, `request body is larger than ${c.get('deps').config.maxBody} bytes (OUTPOST_MAX_BODY)`))(c, next),
    async (c) => {
      const resolved = await resolve(c);
      const server = serverOf(c);
      // The binary tensors start right after the JSON header: read so that they lie aligned, for views without copies.
      const headerLength = c.req.header(HEADER_LENGTH);
      const { request, binary } = splitBody(await bodyBytes(c, Number(headerLength) || 0), headerLength);
      const { body, headers } = await server.infer(resolved, request, binary);
      return c.body(body as never, 200, headers);
    },
  );
}

export const servingRoutes = router;
