import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInProcessHub } from '../../helpers/in-process-hub.js';
import { describeFailure, fuzzCase, fuzzHub, openFuzzWorld, sendCase, SLOW_MS, type FuzzWorld } from './requests.js';

// OUTPOST_FUZZ_RUNS for a longer run, OUTPOST_FUZZ_SEED to repeat one, OUTPOST_FUZZ_CASE to replay a single case.
const runs = Number(process.env.OUTPOST_FUZZ_RUNS || 5000);
const seed = Number(process.env.OUTPOST_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));
const only = process.env.OUTPOST_FUZZ_CASE;

let world: FuzzWorld;
let close: () => Promise<void>;
beforeAll(async () => {
  const hub = await openInProcessHub();
  close = hub.close;
  world = await openFuzzWorld(hub);
});
afterAll(() => close?.());

describe('requests generated from the OpenAPI document', () => {
  it('covers every route of the document and the MLflow routes', () => {
    const paths = new Set(world.operations.map((o) => o.path));
    expect(paths.has('/v1/metrics/series')).toBe(true);
    expect(paths.has('/api/2.0/mlflow/experiments/search')).toBe(true);
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
  });
});
