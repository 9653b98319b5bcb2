import { openInProcessHub } from '../helpers/in-process-hub.js';
import { describeFailure, FUZZ_HUB_ENV, fuzzHub, openFuzzWorld } from '../hub/fuzz/requests.js';
import { fmt } from './stats.js';
import type { Figure } from './tracking.js';

/** Requests in the bench's fuzz part: far more than npm test's fuzz tier sends (test/hub/fuzz/openapi.test.ts). */
export const FUZZ_FULL = 50_000;
export const FUZZ_SMOKE = 200;

/** Hostile requests generated from /openapi.json at an in-process hub: how many were tried, how many got a 5xx or stalled. */
export async function fuzzBench(runs: number, seed = Number(process.env.OUTPOST_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31))): Promise<Figure> {
  const hub = await openInProcessHub(FUZZ_HUB_ENV);
  try {
    const world = await openFuzzWorld(hub);
    const started = performance.now();
    const { tried, failures } = await fuzzHub(world, seed, runs);
    const seconds = (performance.now() - started) / 1000;
    for (const f of failures.slice(0, 5)) console.error(describeFailure(f));
    return {
      name: `fuzz: hostile requests from the OpenAPI document, every route, keys of each role (seed ${seed})`,
      value: `${fmt(tried)} requests in ${seconds.toFixed(0)} s, ${failures.length} with a 5xx or over 5 s`,
      baseline: 'none: the bar is absolute',
      ratio: '–',
      target: '0 failures',
      ok: failures.length === 0,
    };
  } finally {
    await hub.close();
  }
}
