import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DATATYPE_NAMES } from '../../shared/serving/datatypes.js';
import { HEADER_LENGTH } from './protocol.js';

/**
 * The `/v2` routes (routes.ts) in the hub's OpenAPI document. They are served by a plain router, for the protocol's
 * own error shape and raw bodies, so the document only describes them; the handlers check every request themselves.
 */

const TAG = 'Inference (Open Inference Protocol v2)';
const security = [{ bearer: [] as string[] }];
const parameters = z.record(z.string(), z.unknown()).openapi({ description: 'Free-form parameters (binary_data_size, binary_data, binary_data_output: see the binary tensor extension)' });
const datatype = z.enum(DATATYPE_NAMES as [string, ...string[]]).openapi({ description: 'The tensor datatype; BYTES and BF16 are not served' });
const error = z.object({ error: z.string() }).openapi('InferenceError', { description: 'The protocol\'s error body' });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? 'error', content: { 'application/json': { schema: error } } }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: names the input or field and what it expects',
  401: 'Missing, unknown or revoked key',
  403: 'The key may not read this model (publishable keys: only models exposed to devices)',
  404: 'No such model, version or alias',
  413: 'Body larger than OUTPOST_MAX_BODY',
  501: 'This hub has no inference engine (Workers): inference runs on the Node hub',
  503: 'The version does not fit in OUTPOST_SERVE_MEMORY',
};
const ok = (schema: z.ZodType, description: string) => ({ 200: { description, content: { 'application/json': { schema } } } });

const tensorMetadata = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()).openapi({ description: '-1 for a dimension of any size' }) }).openapi('TensorMetadata');
const inferInput = z
  .object({
    name: z.string(),
    shape: z.array(z.number().int().min(0)),
    datatype,
    parameters: parameters.optional(),
    data: z.unknown().optional().openapi({ description: 'Row-major values, flat or nested (BOOL as true/false); absent when parameters.binary_data_size gives the bytes after the JSON' }),
  })
  .openapi('InferInput');
const inferRequest = z
  .object({
    id: z.string().optional(),
    parameters: parameters.optional(),
    inputs: z.array(inferInput).min(1),
    outputs: z.array(z.object({ name: z.string(), parameters: parameters.optional() })).optional().openapi({ description: 'The outputs to return; all when absent' }),
  })
  .openapi('InferRequest');
const inferResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    parameters: parameters.optional(),
    outputs: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), datatype: z.string(), parameters: parameters.optional(), data: z.array(z.unknown()).optional() })),
  })
  .openapi('InferResponse');

const name = z.string().openapi({ param: { name: 'name', in: 'path' }, description: 'The model name' });
const version = z.string().openapi({ param: { name: 'version', in: 'path' }, description: 'A version number or an alias (no version: the production alias)' });
const headerLength = z
  .string()
  .optional()
  .openapi({ param: { name: HEADER_LENGTH, in: 'header' }, description: 'Binary tensor extension: the byte length of the JSON at the start of the body; the tensors\' bytes follow it' });

export function registerServingDocs(app: OpenAPIHono<any>): void {
  const r = app.openAPIRegistry;
  r.registerPath({ method: 'get', path: '/v2', tags: [TAG], summary: 'Server metadata', responses: ok(z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }), 'Name, version and extensions (binary_tensor_data where this hub infers)') });
  r.registerPath({ method: 'get', path: '/v2/health/live', tags: [TAG], summary: 'Server liveness', responses: ok(z.object({ live: z.boolean() }), 'Live') });
  r.registerPath({ method: 'get', path: '/v2/health/ready', tags: [TAG], summary: 'Server readiness', responses: ok(z.object({ ready: z.boolean() }), 'Ready') });
  for (const [base, params] of [
    ['/v2/models/{name}', z.object({ name })],
    ['/v2/models/{name}/versions/{version}', z.object({ name, version })],
  ] as const) {
    r.registerPath({
      method: 'get',
      path: base,
      tags: [TAG],
      summary: 'Model metadata',
      security,
      request: { params },
      responses: { ...ok(z.object({ name: z.string(), versions: z.array(z.string()), platform: z.string(), inputs: z.array(tensorMetadata), outputs: z.array(tensorMetadata) }).openapi('ModelMetadata'), 'The resolved version\'s inputs and outputs'), ...errors(401, 403, 404) },
    });
    r.registerPath({
      method: 'get',
      path: `${base}/ready`,
      tags: [TAG],
      summary: 'Model readiness (loads the version)',
      security,
      request: { params },
      responses: { ...ok(z.object({ name: z.string(), version: z.string(), ready: z.boolean() }), 'Loaded and ready'), ...errors(400, 401, 403, 404, 501, 503) },
    });
    r.registerPath({
      method: 'post',
      path: `${base}/infer`,
      tags: [TAG],
      summary: 'Inference',
      description: 'JSON tensors, or the binary tensor extension: the JSON header, then each tensor with parameters.binary_data_size in order (Inference-Header-Content-Length gives the JSON\'s length). Outputs come back as binary data when asked (binary_data_output, or binary_data per output).',
      security,
      request: {
        params,
        headers: z.object({ [HEADER_LENGTH]: headerLength }),
        body: { required: true, content: { 'application/json': { schema: inferRequest }, 'application/octet-stream': { schema: z.string().openapi({ format: 'binary', description: 'JSON header followed by the binary tensors' }) } } },
      },
      responses: {
        200: { description: 'The outputs', content: { 'application/json': { schema: inferResponse }, 'application/octet-stream': { schema: z.string().openapi({ format: 'binary', description: 'JSON header (Inference-Header-Content-Length long) followed by the binary outputs' }) } } },
        ...errors(400, 401, 403, 404, 413, 501, 503),
      },
    });
  }
}
