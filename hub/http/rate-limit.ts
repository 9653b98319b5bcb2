import type { RateRule } from '../config.js';

/** Whether an event fits its bucket's rule, how many more fit in the window, and in how many seconds it ends. */
export interface RateVerdict {
  ok: boolean;
  remaining: number;
  retryAfterS: number;
}

/**
 * Counters of events per bucket (`auth:<address>`, `device:<keyId>`) in fixed windows. `hit` counts one event and
 * says whether it is within the rule; `check` says whether the bucket still has room, without counting.
 */
export interface RateLimiter {
  hit(bucket: string, rule: RateRule): Promise<RateVerdict>;
  check(bucket: string, rule: RateRule): Promise<RateVerdict>;
}

interface Window {
  start: number;
  count: number;
}

/** Buckets kept at most; past it, expired ones go first, then the oldest (an attacker rotating addresses cannot grow memory). */
const MAX_BUCKETS = 100_000;

/** Counters in this process's memory: the Node hub's limiter, and the state of one Workers rate-limit object. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  private current(bucket: string, rule: RateRule): Window {
    const now = this.now();
    let w = this.windows.get(bucket);
    if (!w || now - w.start >= rule.windowMs) {
      w = { start: now, count: 0 };
      this.windows.delete(bucket);
      if (this.windows.size >= MAX_BUCKETS) this.evict(now, rule.windowMs);
      this.windows.set(bucket, w);
    }
    return w;
  }

  private verdict(w: Window, rule: RateRule, ok: boolean): RateVerdict {
    return { ok, remaining: Math.max(0, rule.limit - w.count), retryAfterS: Math.max(1, Math.ceil((w.start + rule.windowMs - this.now()) / 1000)) };
  }

  private evict(now: number, windowMs: number) {
    for (const [bucket, w] of this.windows) if (now - w.start >= windowMs) this.windows.delete(bucket);
    for (const bucket of this.windows.keys()) {
      if (this.windows.size < MAX_BUCKETS) break;
      this.windows.delete(bucket);
    }
  }

  async hit(bucket: string, rule: RateRule): Promise<RateVerdict> {
    const w = this.current(bucket, rule);
    w.count += 1;
    return this.verdict(w, rule, w.count <= rule.limit);
  }

  async check(bucket: string, rule: RateRule): Promise<RateVerdict> {
    const w = this.windows.get(bucket);
    if (!w || this.now() - w.start >= rule.windowMs) return { ok: true, remaining: rule.limit, retryAfterS: 0 };
    return this.verdict(w, rule, w.count < rule.limit);
  }
}
