import { createMiddleware } from 'hono/factory';
import { OutpostError } from '../../shared/errors.js';
import { decodeMetricsFrame, FrameError, METRICS_FRAME_TYPE } from '../../shared/metrics-frame.js';
import { LIMITS, paramsSchema, tagsSchema } from '../../shared/schemas/tracking.js';
import { access } from '../auth/access.js';
import type { HubEnv } from '../http/env.js';
import { scopeOf } from '../http/scope.js';
import { logToRun } from './log.js';
import { getRunRow } from './runs.js';

const write = access({ secret: 'write' });
const invalid = (message: string) => new OutpostError(400, 'validation_failed', `invalid metrics frame: ${message}`);

type NodeIncoming = AsyncIterable<Uint8Array> & { readableEnded: boolean; headers: Record<string, unknown> };

/**
 * The request body as bytes. On Node the socket's own chunks are copied once into a buffer of the declared
 * length, markedly cheaper for megabyte frames than a web stream; elsewhere the standard Request body.
 */
async function bodyBytes(env: unknown, request: Request): Promise<Uint8Array> {
  const incoming = (env as { incoming?: NodeIncoming } | undefined)?.incoming;
  const NodeBuffer = (globalThis as { Buffer?: unknown }).Buffer;
  const length = Number(request.headers.get('content-length'));
  if (incoming && NodeBuffer && !incoming.readableEnded && !request.bodyUsed && Number.isSafeInteger(length)) {
    // One buffer of the declared size, filled as chunks arrive: no list of chunks, no second copy.
    const out = new Uint8Array(length);
    let at = 0;
    for await (const chunk of incoming) {
      if (at + chunk.byteLength > length) throw new OutpostError(400, 'bad_request', 'request body is longer than its Content-Length');
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    if (at !== length) throw new OutpostError(400, 'bad_request', 'request body is shorter than its Content-Length');
    return out;
  }
  return new Uint8Array(await request.arrayBuffer());
}

/** True for the binary columnar frame's content type (see shared/metrics-frame.ts). */
export const isMetricsFrame = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase() === METRICS_FRAME_TYPE;

/**
 * `POST /v1/runs/{id}/log` with a binary metrics frame: the same semantics as the JSON batch (params immutable,
 * tags overwritten, points appended, Idempotency-Key honoured), without parsing a number per point.
 */
export const frameLog = createMiddleware<HubEnv>(async (c, next) => {
  if (c.req.method !== 'POST' || !isMetricsFrame(c.req.header('content-type'))) return next();
  let response: Response | undefined;
  await write(c, async () => {
    const s = scopeOf(c);
    const run = await getRunRow(s, c.req.param('id')!);
    let frame;
    try {
      frame = decodeMetricsFrame(await bodyBytes(c.env, c.req.raw));
    } catch (err) {
      if (err instanceof FrameError) throw invalid(err.message);
      throw err;
    }
    for (const [i, m] of frame.metrics.entries()) {
      if (!m.key || m.key.length > LIMITS.keyLength) throw invalid(`metrics[${i}].key must be 1 to ${LIMITS.keyLength} characters`);
    }
    const params = paramsSchema.optional().safeParse(frame.params);
    const tags = tagsSchema.optional().safeParse(frame.tags);
    if (!params.success) throw invalid(`params: ${params.error.issues[0]?.message}`);
    if (!tags.success) throw invalid(`tags: ${tags.error.issues[0]?.message}`);
    const result = await logToRun(s, run, { params: params.data, tags: tags.data, metrics: frame.metrics }, c.req.header('idempotency-key'));
    response = c.json(result, 200);
  });
  return response;
});
