/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not pulled towards zero.
 * `weight` 0 returns the values as they are; 0.99 smooths hard.
 */
export function smooth(values: ArrayLike<number>, weight: number): ArrayLike<number> {
  if (weight <= 0) return values;
  const out = new Float64Array(values.length);
  let last = 0;
  let decay = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    decay *= weight;
    out[i] = last / (1 - decay);
  }
  return out;
}
