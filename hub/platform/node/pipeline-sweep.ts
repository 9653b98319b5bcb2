import type { Db } from '../../db/client.js';
import { sweepPipelines } from '../../pipelines/triggers.js';

/** How often the Node hub settles expired leases and starts scheduled and event-triggered pipeline runs. */
export const PIPELINE_SWEEP_MS = 5_000;

/** The pipeline sweep on a timer (Workers use a cron trigger instead); one sweep at a time, errors logged, never fatal. */
export function startPipelineSweep(db: Db, log: (line: string) => void): () => void {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await sweepPipelines(db);
    } catch (err) {
      log(`pipeline sweep failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  }, PIPELINE_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
