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

/**
 * Puts several lines on the one x column uPlot draws from. Lines logged at the same x values (runs that log at
 * the same steps) share it as is; otherwise x is the sorted union and each line holds `undefined` where it has no
 * point — uPlot steps over undefined without breaking the line (null would be a gap).
 */
export function alignLines(lines: Line[]): uPlot.AlignedData {
  if (lines.length === 0) return [[]];
  const first = lines[0]!.x;
  if (lines.every((l) => sameColumn(l.x, first))) return [first as number[], ...lines.map((l) => l.y as number[])];

  const all = new Float64Array(lines.reduce((n, l) => n + l.x.length, 0));
  let at = 0;
  for (const l of lines) for (let i = 0; i < l.x.length; i++) all[at++] = l.x[i]!;
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  const xs = all.subarray(0, n);

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
