import type uPlot from 'uplot';

export type Column = ArrayLike<number>;
export interface Line {
  label: string;
  color?: string;
  x: Column;
  y: Column;
}

function sameColumn(a: Column, b: Column): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sorted by x (time columns may arrive out of order when clocks jump); steps from the hub already are. */
export function sortByX(x: Column, y: Column): { x: Column; y: Column } {
  let sorted = true;
  for (let i = 1; i < x.length && sorted; i++) sorted = x[i - 1]! <= x[i]!;
  if (sorted) return { x, y };
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  return { x: Float64Array.from(order, (i) => x[i]!), y: Float64Array.from(order, (i) => y[i]!) };
}

/** The sorted union of two sorted columns, each value once: merged pairwise, never sorted. */
function mergeSorted(a: Column, b: Column): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (n === 0 || out[n - 1] !== v) out[n++] = v;
  }
  return out.subarray(0, n);
}

/**
 * Puts several lines on the one x column uPlot draws from. Lines logged at the same x values (runs that log at
 * the same steps) share it as is; otherwise x is the sorted union and each line holds `undefined` where it has no
 * point — uPlot steps over undefined without breaking the line (null would be a gap).
 */
export function alignLines(lines: Line[]): uPlot.AlignedData {
  if (lines.length === 0) return [[]];
  const first = lines[0]!.x;
  if (lines.every((l) => sameColumn(l.x, first))) return [first as number[], ...lines.map((l) => l.y as number[])];

  let columns: Column[] = lines.map((l) => l.x);
  while (columns.length > 1) columns = columns.flatMap((c, k) => (k % 2 ? [] : [k + 1 < columns.length ? mergeSorted(c, columns[k + 1]!) : c]));
  const xs = columns[0]!;
  const n = xs.length;

  const ys = lines.map((l) => {
    const out = new Array<number | undefined>(n);
    for (let i = 0, j = 0; i < l.x.length; i++) {
      while (xs[j]! < l.x[i]!) j++;
      out[j] = l.y[i];
    }
    return out;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}
