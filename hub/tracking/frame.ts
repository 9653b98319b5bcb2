import { OutpostError } from '../../shared/errors.js';
import { decodeMetricsFrame, FrameError, METRICS_FRAME_TYPE } from '../../shared/metrics-frame.js';
import { LIMITS, paramsSchema, tagsSchema } from '../../shared/schemas/tracking.js';
import type { AppendBatch } from './log.js';

const invalid = (message: string) => new OutpostError(400, 'validation_failed', `invalid metrics frame: ${message}`);

/** True for the binary columnar frame's content type (see shared/metrics-frame.ts). */
export const isMetricsFrame = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase() === METRICS_FRAME_TYPE;

/** A binary metrics frame as a log batch, checked as the JSON batch's schema checks it, without a number parsed per point. */
export function frameBatch(bytes: Uint8Array): AppendBatch {
  let frame;
  try {
    frame = decodeMetricsFrame(bytes);
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
  return { params: params.data, tags: tags.data, metrics: frame.metrics };
}
