/**
 * Metric chunks store three float64 columns as little-endian bytes: 24 bytes a point, no per-row overhead.
 * A column that is an exact arithmetic progression (steps 0, 1, 2… almost always are) is stored as just
 * [first, delta]: 16 bytes, told apart from a full column because a full column of n > 2 points is 8n bytes.
 */

export function packFloat64(values: ArrayLike<number>): Uint8Array {
  // A view, not a copy: libSQL and D1 bind exactly the view's bytes (the frame test covers chunks at offsets).
  if (values instanceof Float64Array) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return new Uint8Array(Float64Array.from(values).buffer);
}

const asFloat64 = (xs: ArrayLike<number>) => (xs instanceof Float64Array ? xs : Float64Array.from(xs));

export function unpackFloat64(bytes: ArrayBuffer | Uint8Array): Float64Array {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // Copy when unaligned: a Float64Array must start on an 8-byte boundary.
  if (view.byteOffset % 8 === 0) return new Float64Array(view.buffer, view.byteOffset, view.byteLength / 8);
  return new Float64Array(view.slice().buffer);
}

export interface Points {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** A point that cannot be stored: a fractional or infinite step or timestamp, or a value that is not finite. */
export class BadPointError extends Error {
  override readonly name = 'BadPointError';
}

/**
 * Sorts points by step (stable: equal steps keep arrival order); already sorted columns are used as they are.
 * The same pass refuses fractional steps, and a pass over timestamps refuses bad ones (values: see summaries).
 */
export function sortByStep(steps: ArrayLike<number>, timestamps: ArrayLike<number>, values: ArrayLike<number>): Points {
  const n = steps.length;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const s = steps[i]!;
    if (Math.floor(s) !== s) throw new BadPointError(`step ${s} at point ${i}`);
    if (i > 0 && steps[i - 1]! > s) sorted = false;
  }
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    if (Math.floor(t) !== t || t < 0) throw new BadPointError(`timestamp ${t} at point ${i}`);
  }
  if (sorted) return { steps: asFloat64(steps), timestamps: asFloat64(timestamps), values: asFloat64(values) };
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => steps[a]! - steps[b]! || a - b);
  const out: Points = { steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    out.steps[i] = steps[j]!;
    out.timestamps[i] = timestamps[j]!;
    out.values[i] = values[j]!;
  }
  return out;
}

/**
 * The latest point by MLflow's rule: highest step, then latest timestamp, then larger value. The points are
 * sorted by step (sortByStep), so only the trailing points that share the highest step compete.
 */
export function latestIndex(p: Points): number {
  const n = p.steps.length;
  let best = n - 1;
  const top = p.steps[best]!;
  for (let i = n - 2; i >= 0 && p.steps[i] === top; i--) {
    const dt = p.timestamps[i]! - p.timestamps[best]!;
    if (dt > 0 || (dt === 0 && p.values[i]! > p.values[best]!)) best = i;
  }
  return best;
}

/** Packs a column, as [first, delta] when it is an exact arithmetic progression of more than two points. */
export function packColumn(xs: Float64Array): Uint8Array {
  const n = xs.length;
  if (n > 2) {
    const first = xs[0]!;
    const delta = xs[1]! - first;
    let arithmetic = true;
    for (let i = 2; i < n && arithmetic; i++) arithmetic = xs[i] === first + i * delta;
    if (arithmetic) return new Uint8Array(Float64Array.of(first, delta).buffer);
  }
  return packFloat64(xs);
}

/** The inverse of packColumn, for a chunk of `count` points. */
export function unpackColumn(bytes: Uint8Array, count: number): Float64Array {
  if (count > 2 && bytes.byteLength === 16) {
    const [first, delta] = unpackFloat64(bytes);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = first! + i * delta!;
    return out;
  }
  return unpackFloat64(bytes);
}
