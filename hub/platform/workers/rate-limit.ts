import type { DurableObjectNamespace } from '@cloudflare/workers-types';
import type { RateRule } from '../../config.js';
import { MemoryRateLimiter, type RateLimiter, type RateVerdict } from '../../http/rate-limit.js';

interface CounterRequest {
  op: 'hit' | 'check';
  bucket: string;
  rule: RateRule;
}

/**
 * One rate-limit bucket's counter on Workers, as a Durable Object (binding RATE_LIMITS, one object per bucket name):
 * every isolate of the hub counts against the same window. The count lives in the object's memory: an object evicted
 * after a quiet spell starts a fresh window, which only ever errs towards letting a request through.
 */
export class RateLimitCounter {
  private readonly counter = new MemoryRateLimiter();

  async fetch(request: Request): Promise<Response> {
    const { op, bucket, rule } = (await request.json()) as CounterRequest;
    const verdict = op === 'hit' ? await this.counter.hit(bucket, rule) : await this.counter.check(bucket, rule);
    return Response.json(verdict);
  }
}

/**
 * The hub's limiter on Workers. `hit` goes to the bucket's object. `check` (asked before every key is looked at)
 * stays in the isolate: it answers from the refusals this isolate has seen, so a key check costs no round trip; an
 * address refused by another isolate is refused here at its next failure.
 */
export class DurableRateLimiter implements RateLimiter {
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly namespace: DurableObjectNamespace) {}

  async hit(bucket: string, rule: RateRule): Promise<RateVerdict> {
    const stub = this.namespace.get(this.namespace.idFromName(bucket));
    const res = await stub.fetch('https://rate-limit/', { method: 'POST', body: JSON.stringify({ op: 'hit', bucket, rule } satisfies CounterRequest) });
    const verdict = (await res.json()) as RateVerdict;
    // No room left: the next check refuses without asking the object.
    if (verdict.remaining > 0) this.refusedUntil.delete(bucket);
    else {
      if (this.refusedUntil.size > 10_000) this.refusedUntil.clear();
      this.refusedUntil.set(bucket, Date.now() + verdict.retryAfterS * 1000);
    }
    return verdict;
  }

  async check(bucket: string, rule: RateRule): Promise<RateVerdict> {
    const until = this.refusedUntil.get(bucket);
    const left = until === undefined ? 0 : until - Date.now();
    if (left > 0) return { ok: false, remaining: 0, retryAfterS: Math.ceil(left / 1000) };
    this.refusedUntil.delete(bucket);
    return { ok: true, remaining: rule.limit, retryAfterS: 0 };
  }
}
