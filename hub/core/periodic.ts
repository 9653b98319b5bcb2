import type { Db } from '../db/client.js';
import { checkDueRollouts } from '../rollouts/rollouts.js';

/**
 * Work the hub does on its own clock rather than in a request: on Node a timer in the server calls this every
 * second; on Workers the cron trigger (wrangler.toml) calls it every minute. Every task is also done lazily by the
 * requests that read its state, so the clock only bounds how late a decision can be when nobody is asking.
 */
const tasks: Array<[name: string, run: (db: Db, now: number) => Promise<unknown>]> = [['rollout checks', checkDueRollouts]];

/** Runs each task once; one task's failure is reported and does not stop the others. */
export async function runPeriodicWork(db: Db, report: (line: string) => void, now = Date.now()): Promise<void> {
  for (const [name, run] of tasks) {
    try {
      await run(db, now);
    } catch (err) {
      report(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
