import { telemetryQuerySchema, telemetryResponseSchema } from '../../shared/schemas/telemetry.js';
import { access } from '../auth/access.js';
import { errorResponses, hubRoute, json, newRouter } from '../http/openapi.js';
import { scopeOf } from '../http/scope.js';
import { readTelemetry } from './read.js';

export const telemetryRoutes = newRouter().openapi(
  hubRoute({
    method: 'get',
    path: '/v1/telemetry',
    tags: ['telemetry'],
    summary: 'Device inference telemetry per model, version and backend: totals and a time series',
    description:
      'Devices send telemetry as `/v1/sync` items. Defaults: `until` now, `since` 24 h before it, `bucket` one hour (ms). ' +
      'p50/p95 come from merged latency histograms (within one histogram bucket: a factor of 1.2); `meanMs` is over the successful, timed runs; ' +
      '`devices` counts devices whose reports overlap the window. Points are aligned to multiples of `bucket` and only buckets with reports appear.',
    middleware: access({ secret: 'read' }),
    request: { query: telemetryQuerySchema },
    responses: { 200: { description: 'Series', content: json(telemetryResponseSchema) }, ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => c.json(await readTelemetry(scopeOf(c), c.req.valid('query')), 200),
);
