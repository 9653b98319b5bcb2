import { sql } from 'drizzle-orm';
import type { Series, SeriesWindow } from '../../../shared/schemas/tracking.js';
import type { ProjectScope } from '../../core/scope.js';
import type { Db } from '../../db/client.js';
import { unpackColumn, type Points } from './packing.js';

interface ChunkViews {
  steps: Float64Array[];
  timestamps: Float64Array[];
  values: Float64Array[];
  total: number;
  /** True when the chunks, in min-step order, do not interleave: then they concatenate into a sorted series. */
  disjoint: boolean;
}

/** Blob columns as bytes, whichever driver read them (libSQL: ArrayBuffer, D1: number[]). */
const toBytes = (v: unknown) => (v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : Uint8Array.from(v as number[]));

type ChunkRow = { count: number; steps: unknown; timestamps: unknown; values: unknown };

/** The first index of a sorted column whose value is at least `bound` (above it when `after`). */
function firstIndex(sorted: Float64Array, bound: number, after: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after ? sorted[mid]! <= bound : sorted[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The chunks of one (run, key) that hold steps in [minStep, maxStep], each cut to the points in that range. */
async function readChunks(db: Db, runId: string, key: string, minStep?: number, maxStep?: number): Promise<ChunkViews> {
  // Chunks wholly outside the range are skipped by their min_step/max_step columns, without reading their blobs.
  const where = [sql`run_id = ${runId}`, sql`key = ${key}`];
  if (maxStep !== undefined) where.push(sql`min_step <= ${maxStep}`);
  if (minStep !== undefined) where.push(sql`max_step >= ${minStep}`);
  // Raw SQL: drizzle's typed select copies every blob once more on the way out, which costs more than SQLite's read.
  const chunks = await db.all<ChunkRow>(sql`SELECT count, steps, timestamps, "values" FROM metric_chunks WHERE ${sql.join(where, sql` AND `)} ORDER BY min_step, id`);
  const views: ChunkViews = { steps: [], timestamps: [], values: [], total: 0, disjoint: true };
  for (const c of chunks) {
    const count = Number(c.count);
    const steps = unpackColumn(toBytes(c.steps), count);
    const from = minStep === undefined ? 0 : firstIndex(steps, minStep, false);
    const to = maxStep === undefined ? count : firstIndex(steps, maxStep, true);
    if (from === to) continue;
    const previous = views.steps.at(-1);
    views.disjoint &&= !previous || steps[from]! >= previous[previous.length - 1]!;
    views.steps.push(steps.subarray(from, to));
    views.timestamps.push(unpackColumn(toBytes(c.timestamps), count).subarray(from, to));
    views.values.push(unpackColumn(toBytes(c.values), count).subarray(from, to));
    views.total += to - from;
  }
  return views;
}

const concat = (parts: Float64Array[], total: number) => {
  const out = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The rare path: chunks logged out of step order. */
function sortPoints(p: Points): Points {
  const order = Array.from({ length: p.steps.length }, (_, i) => i).sort((a, b) => p.steps[a]! - p.steps[b]! || a - b);
  const pick = (src: Float64Array) => Float64Array.from(order, (i) => src[i]!);
  return { steps: pick(p.steps), timestamps: pick(p.timestamps), values: pick(p.values) };
}

/** Indices of the points to keep: first, last, and each bucket's min and max in step order; at most maxPoints. */
function keptIndices(values: Float64Array[], total: number, maxPoints: number): number[] {
  const buckets = Math.floor((maxPoints - 2) / 2); // 2 per bucket + first + last ≤ maxPoints
  const keep: number[] = [0];
  const push = (i: number) => i !== keep[keep.length - 1] && keep.push(i);
  let chunk = 0;
  let base = 0; // global index of values[chunk][0]
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * total) / buckets);
    const end = Math.floor(((b + 1) * total) / buckets);
    let lo = start;
    let hi = start;
    let loV = Infinity;
    let hiV = -Infinity;
    // Walk the bucket a chunk-run at a time: tight loops over one typed array.
    let i = start;
    while (i < end) {
      while (i >= base + values[chunk]!.length) base += values[chunk++]!.length;
      const column = values[chunk]!;
      const stop = Math.min(end, base + column.length) - base;
      for (let j = i - base; j < stop; j++) {
        const v = column[j]!;
        if (v < loV) {
          loV = v;
          lo = base + j;
        }
        if (v > hiV) {
          hiV = v;
          hi = base + j;
        }
      }
      i = base + stop;
    }
    push(Math.min(lo, hi));
    push(Math.max(lo, hi));
  }
  push(total - 1);
  return keep;
}

/** Picks global indices out of chunked columns. */
function pick(columns: Float64Array[], indices: number[]): number[] {
  const out: number[] = [];
  let chunk = 0;
  let base = 0;
  for (const i of indices) {
    while (i >= base + columns[chunk]!.length) base += columns[chunk++]!.length;
    out.push(columns[chunk]![i - base]!);
  }
  return out;
}

/**
 * At most `maxPoints` points that keep the series' shape: the points are cut into (maxPoints-2)/2 buckets and
 * each bucket keeps its minimum and its maximum (in step order), so spikes survive; first and last always stay.
 */
export function downsample(p: Points, maxPoints: number): Points {
  if (p.steps.length <= maxPoints) return p;
  const keep = keptIndices([p.values], p.steps.length, maxPoints);
  return { steps: Float64Array.from(pick([p.steps], keep)), timestamps: Float64Array.from(pick([p.timestamps], keep)), values: Float64Array.from(pick([p.values], keep)) };
}

/**
 * A series for charts: whole or only the steps in [minStep, maxStep], and downsampled to maxPoints straight from
 * the chunks without first joining them.
 */
export async function readSeries(s: ProjectScope, runId: string, key: string, { minStep, maxStep, maxPoints }: SeriesWindow = {}): Promise<Series> {
  const c = await readChunks(s.db, runId, key, minStep, maxStep);
  if (!c.disjoint) {
    const all = sortPoints({ steps: concat(c.steps, c.total), timestamps: concat(c.timestamps, c.total), values: concat(c.values, c.total) });
    const p = maxPoints ? downsample(all, maxPoints) : all;
    return { runId, key, total: c.total, steps: Array.from(p.steps), values: Array.from(p.values), timestamps: Array.from(p.timestamps) };
  }
  const keep = maxPoints && c.total > maxPoints ? keptIndices(c.values, c.total, maxPoints) : Array.from({ length: c.total }, (_, i) => i);
  return { runId, key, total: c.total, steps: pick(c.steps, keep), values: pick(c.values, keep), timestamps: pick(c.timestamps, keep) };
}
