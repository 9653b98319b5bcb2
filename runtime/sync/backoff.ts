/** Exponential backoff with full jitter: 1 s, 2 s, 4 s … up to a minute, each scaled by a random factor in [0.5, 1). */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
}
