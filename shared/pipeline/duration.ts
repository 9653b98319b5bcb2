/** Durations as users write them (`500ms`, `2s`, `10m`, `1h`, `1d`) or as milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string | number, what: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${what}: ${value} is not a duration (a number of ms ≥ 0, or e.g. "10m")`);
    return Math.round(value);
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new Error(`${what}: "${value}" is not a duration (e.g. "500ms", "2s", "10m", "1h")`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}
