import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInProcessHub } from '../../helpers/in-process-hub.js';
import { describeFailure, FUZZ_HUB_ENV, fuzzCase, fuzzHub, openFuzzWorld, sendCase, SLOW_MS, type FuzzWorld } from './requests.js';

// OUTPOST_FUZZ_RUNS for a longer run, OUTPOST_FUZZ_SEED to repeat one, OUTPOST_FUZZ_CASE to replay a single case.
const runs = Number(process.env.OUTPOST_FUZZ_RUNS || 5000);
const seed = Number(process.env.OUTPOST_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));
const only = process.env.OUTPOST_FUZZ_CASE;

let world: FuzzWorld;
let close: () => Promise<void>;
beforeAll(async () => {
  // The rate limits stay on but out of reach: with the test hubs' 20 failed keys a minute, nearly every request after
  // the first few hundred was a 429 and the fuzzer tested the limiter, not the routes.
  const hub = await openInProcessHub(FUZZ_HUB_ENV, { serving: true });
  close = hub.close;
  world = await openFuzzWorld(hub);
});
afterAll(() => close?.());

describe('requests generated from the OpenAPI document', () => {
  it('covers every route of the document and the MLflow routes', () => {
    const paths = new Set(world.operations.map((o) => o.path));
    expect(paths.has('/v1/metrics/series')).toBe(true);
    expect(paths.has('/api/2.0/mlflow/experiments/search')).toBe(true);
    expect(paths.has('/v2/models/{name}/versions/{version}/infer')).toBe(true);
    expect(world.operations.length).toBeGreaterThan(60);
  });

  it(`answers ${only ? `case ${only}` : `${runs} hostile requests (seed ${seed})`} without a 5xx or a stall`, { timeout: 3_600_000 }, async () => {
    if (only) {
      const c = fuzzCase(world, Number(only));
      const start = performance.now();
      const { status, reply } = await sendCase(world, c);
      const ms = performance.now() - start;
      expect(status, describeFailure({ case: c, status, reply, ms })).toBeLessThan(500);
      expect(ms, describeFailure({ case: c, status, reply, ms })).toBeLessThan(SLOW_MS);
      return;
    }
    const { tried, failures, byStatus } = await fuzzHub(world, seed, runs);
    console.log(`fuzz: ${tried} requests from seed ${seed}, statuses ${JSON.stringify(byStatus)}`);
    expect(failures.length, failures.slice(0, 10).map(describeFailure).join('\n\n')).toBe(0);
    // Coverage: the requests must reach the routes, not a limiter.
    expect(byStatus[429] ?? 0, `429s: ${JSON.stringify(byStatus)}`).toBeLessThan(tried * 0.01);
  });
});
