import { and, asc, eq } from 'drizzle-orm';
import type { Series } from '../../../shared/schemas/tracking.js';
import type { Db } from '../../db/client.js';
import { metricChunks } from '../../db/schema.js';
import { unpackFloat64, type Points } from './packing.js';

/** Every point of one (run, key), sorted by step; chunks that overlap in steps are merged. */
export async function readPoints(db: Db, runId: string, key: string): Promise<Points> {
  const chunks = await db
    .select()
    .from(metricChunks)
    .where(and(eq(metricChunks.runId, runId), eq(metricChunks.key, key)))
    .orderBy(asc(metricChunks.minStep), asc(metricChunks.id));
  const total = chunks.reduce((n, c) => n + c.count, 0);
  const out: Points = { steps: new Float64Array(total), timestamps: new Float64Array(total), values: new Float64Array(total) };
  let offset = 0;
  let disjoint = true;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (i > 0 && c.minStep < chunks[i - 1]!.maxStep) disjoint = false;
    out.steps.set(unpackFloat64(c.steps), offset);
    out.timestamps.set(unpackFloat64(c.timestamps), offset);
    out.values.set(unpackFloat64(c.values), offset);
    offset += c.count;
  }
  return disjoint ? out : sortPoints(out);
}

/** The rare path: chunks logged out of step order. */
function sortPoints(p: Points): Points {
  const order = Array.from({ length: p.steps.length }, (_, i) => i).sort((a, b) => p.steps[a]! - p.steps[b]! || a - b);
  const pick = (src: Float64Array) => Float64Array.from(order, (i) => src[i]!);
  return { steps: pick(p.steps), timestamps: pick(p.timestamps), values: pick(p.values) };
}

/**
 * At most `maxPoints` points that keep the series' shape: the points are cut into (maxPoints-2)/2 buckets and
 * each bucket keeps its minimum and its maximum (in step order), so spikes survive; first and last always stay.
 */
export function downsample(p: Points, maxPoints: number): Points {
  const n = p.steps.length;
  if (n <= maxPoints) return p;
  const buckets = Math.floor((maxPoints - 2) / 2); // 2 per bucket + first + last ≤ maxPoints
  const keep: number[] = [0];
  const push = (i: number) => i !== keep[keep.length - 1] && keep.push(i);
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      const v = p.values[i]!;
      if (v < p.values[lo]!) lo = i;
      if (v > p.values[hi]!) hi = i;
    }
    push(Math.min(lo, hi));
    push(Math.max(lo, hi));
  }
  push(n - 1);
  const pick = (src: Float64Array) => Float64Array.from(keep, (i) => src[i]!);
  return { steps: pick(p.steps), timestamps: pick(p.timestamps), values: pick(p.values) };
}

export async function readSeries(db: Db, runId: string, key: string, maxPoints?: number): Promise<Series> {
  const all = await readPoints(db, runId, key);
  const p = maxPoints ? downsample(all, maxPoints) : all;
  return { runId, key, total: all.steps.length, steps: Array.from(p.steps), values: Array.from(p.values), timestamps: Array.from(p.timestamps) };
}
