import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../e2e/browser.js';
import { HubApi } from '../e2e/runtime/hub-api.js';
import { Site } from '../e2e/runtime/site.js';
import { finetuneBaseModelFiles, finetuneDataset } from '../fixtures/finetune.js';
import { finetuneResponsiveness, type Responsiveness } from '../fixtures/finetune-responsiveness.js';
import type { BenchHub } from './hub.js';
import type { Figure } from './tracking.js';

export interface FinetuneSizes {
  samples: number;
  epochs: number;
}
export const FINETUNE_FULL: FinetuneSizes = { samples: 320, epochs: 12 };
export const FINETUNE_SMOKE: FinetuneSizes = { samples: 64, epochs: 2 };

/**
 * The timing limits the fine-tuning browser tests used to assert, as figures: how late a 10 ms heartbeat on the page's
 * main thread runs while `op.finetune` trains in its worker, against the same training with tfjs on the main thread
 * (the hub's own tfjs build, same backend); and how many batches a fine-tune still reports after it is aborted.
 */
export async function finetuneBench(hub: BenchHub, s: FinetuneSizes): Promise<Figure[]> {
  const api = new HubApi(hub.url, hub.key);
  const files = finetuneBaseModelFiles();
  await api.publish('bench-finetune', 'tfjs-layers', files, 'production');
  const key = await api.publishableKey();
  const site = new Site(hub.url);
  await site.start();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await browser.newPage();
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(site.url);
    await page.waitForFunction(() => 'Outpost' in window);
    const set = finetuneDataset(s.samples, { seed: 1, shifted: true });
    const args = {
      hub: hub.url,
      key,
      x: Array.from(set.x.data),
      y: Array.from(set.y.data),
      base: Object.fromEntries(Object.entries(files).map(([p, b]) => [p, Array.from(b)])),
      options: { epochs: s.epochs, batchSize: 16, learningRate: 0.05, optimizer: 'adam', validationSplit: 0.2, trainable: 'head' },
    };
    await page.evaluate(async ({ hub, key, x, y }) => {
      const w = window as any;
      w.op = await w.Outpost.connect({ hub, key });
      w.trainSet = () => ({ x: { data: new Float32Array(x), dims: [x.length / 8, 8] }, y: { data: new Float32Array(y), dims: [y.length / 4, 4] } });
    }, args);
    const { worker, mainThread } = await page.evaluate(finetuneResponsiveness, { hub: hub.url, ref: 'bench-finetune@production', options: args.options, base: args.base });
    // Abort in the second epoch and count the batches still reported after it.
    const afterAbort = await page.evaluate(async ({ options }) => {
      const w = window as any;
      const controller = new AbortController();
      let after = 0;
      await w.op
        .finetune('bench-finetune@production', {
          ...w.trainSet(),
          ...options,
          epochs: 50,
          signal: controller.signal,
          onBatch: (b: number, _logs: unknown, e: number) => {
            if (controller.signal.aborted) after++;
            else if (e === 1 && b === 2) controller.abort();
          },
        })
        .catch(() => undefined);
      return after;
    }, args);
    const r = (v: number) => `${v.toFixed(1)} ms`;
    const longest = (f: Responsiveness) => Math.max(0, ...f.longTasks);
    const line = (f: Responsiveness) => `heartbeat p99 ${r(f.p99Lag)}, max ${r(f.maxLag)}, longest task ${r(longest(f))} (${f.backend})`;
    return [
      {
        name: `fine-tuning in the worker (${s.samples} samples, ${s.epochs} epochs, head only): how late a 10 ms heartbeat on the page's main thread runs`,
        value: line(worker),
        baseline: `the same training with tfjs on the main thread: ${line(mainThread)}`,
        ratio: (worker.p99Lag / Math.max(mainThread.p99Lag, 0.1)).toFixed(2),
        target: 'p99 ≤ 50 ms, max ≤ 300 ms, no task over 100 ms',
        ok: worker.p99Lag <= 50 && worker.maxLag <= 300 && longest(worker) <= 100,
      },
      {
        name: 'fine-tune aborted mid-epoch: batches still reported after the abort',
        value: String(afterAbort),
        baseline: '0: the batch in progress when the abort arrives',
        ratio: '',
        target: '≤ 2',
        ok: afterAbort <= 2,
      },
    ];
  } finally {
    await browser.close();
    await site.stop();
  }
}
