/** Run `r`'s random-walk curve of `points` values: the chart bench's lines, in memory and on the hub alike. */
export function randomWalk(r: number, points: number): Float64Array {
  let seed = r * 7919 + 1;
  let v = 1 + r / 10;
  const y = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    seed = (seed * 16807) % 2147483647;
    v += (seed / 2147483647 - 0.5) * 0.01;
    y[i] = v;
  }
  return y;
}
