import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { chromium } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { chromiumArgs, chromiumPath } from '../e2e/browser.js';
import type { BenchHub } from './hub.js';
import { fmt, median } from './stats.js';
import { logSeries, type Figure } from './tracking.js';
import { randomWalk } from './walk.js';

export interface ChartSizes {
  runs: number;
  points: number;
  /** The baseline: the same chart, the same runs, with this many points each. */
  baselinePoints: number;
  repeats: number;
}
export const CHART_FULL: ChartSizes = { runs: 10, points: 100_000, baselinePoints: 1000, repeats: 5 };
export const CHART_SMOKE: ChartSizes = { runs: 2, points: 5000, baselinePoints: 100, repeats: 1 };

/** Targets for 10 × 100k points, software-rendered (headless, no GPU): a second to draw, a zoom that feels instant. */
const RENDER_TARGET_MS = 1000;
const ZOOM_TARGET_MS = 100;

type Axis = 'step' | 'time';
interface ChartBench {
  render(runs: number, points: number, axis: Axis): Promise<number>;
  zoom(from: number, to: number): Promise<number>;
  reset(): Promise<number>;
  panel(runs: Array<{ id: string; label: string }>, metric: string): Promise<void>;
  panelZoom(from: number, to: number, refetch: boolean): Promise<number>;
}

/** `runs` runs of `points` steps of one metric, logged to the hub: what the console's panel reads. */
async function logRuns(hub: BenchHub, runs: number, points: number): Promise<Array<{ id: string; label: string }>> {
  const experimentId = (await hub.call('/v1/experiments', { json: { name: `chart-${runs}x${points}` } })).experiment.id;
  const steps = Float64Array.from({ length: points }, (_, i) => i);
  const timestamps = Float64Array.from({ length: points }, (_, i) => Date.UTC(2026, 0, 1) + i * 1000);
  const logged = [];
  for (let r = 0; r < runs; r++) {
    const id = (await hub.call('/v1/runs', { json: { experimentId, name: `run-${r}` } })).run.id as string;
    await logSeries(hub, id, 'loss', { steps, values: randomWalk(r, points), timestamps });
    logged.push({ id, label: `run-${r}` });
  }
  return logged;
}

/** The bench page's script: the console's chart component bundled by Vite as the console is (Preact, uPlot). */
async function bundle(): Promise<{ js: string; css: string }> {
  const out = (await build({
    configFile: false,
    logLevel: 'warn',
    plugins: [preact()],
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { write: false, lib: { entry: fileURLToPath(new URL('./chart-page.tsx', import.meta.url)), formats: ['iife'], name: 'chartBenchPage' } },
  })) as Rollup.RollupOutput[];
  const files = out.flatMap((o) => o.output);
  const js = files.find((f): f is Rollup.OutputChunk => f.type === 'chunk')!.code;
  const css = files.filter((f): f is Rollup.OutputAsset => f.type === 'asset' && f.fileName.endsWith('.css')).map((f) => String(f.source)).join('\n');
  return { js, css };
}

const ms = (v: number) => `${fmt(v, 1)} ms`;

/**
 * The console chart with `runs` × `points` (DESIGN §7: 10 runs × 100k points stays smooth), each figure to the painted
 * frame, medians of `repeats`:
 * - the chart alone, every point in memory: first render and a zoom. Baseline: the same chart and steps with
 *   `baselinePoints` per run — the fixed cost of a chart on this machine (component, uPlot setup, axes, two frames),
 *   so the ratio is what the extra points cost;
 * - the console's metric panel over the same points logged to a real hub: a zoom as the console does it, the visible
 *   step range fetched again at the chart's resolution and drawn. Baseline: the same panel on runs of
 *   `baselinePoints`, shown whole, where a zoom fetches nothing.
 */
export async function chart(hub: BenchHub, s: ChartSizes): Promise<Figure[]> {
  const { js, css } = await bundle();
  const [manyPoints, fewPoints] = [await logRuns(hub, s.runs, s.points), await logRuns(hub, s.runs, s.baselinePoints)];
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The page comes from the hub's origin, so the console's own API calls (same-origin paths) reach the hub.
    const pageUrl = `${hub.url}/__chart-bench`;
    const html = `<!doctype html><html><head><style>${css}</style></head><body><div id="root" style="width: 1200px"></div></body></html>`;
    await page.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(pageUrl);
    await page.evaluate((key) => sessionStorage.setItem('outpost.key', key), hub.key);
    await page.addScriptTag({ content: js });

    const measure = async (points: number, axis: Axis) => {
      const render: number[] = [];
      const zoom: number[] = [];
      const reset: number[] = [];
      for (let i = 0; i < s.repeats + 1; i++) {
        const r = await page.evaluate(async ([runs, n, a]) => {
          const b = (window as unknown as { chartBench: ChartBench }).chartBench;
          return { render: await b.render(runs, n, a), zoom: await b.zoom(0.45, 0.55), reset: await b.reset() };
        }, [s.runs, points, axis] as const);
        if (i === 0) continue; // warm-up: JIT and first-use costs
        render.push(r.render);
        zoom.push(r.zoom);
        reset.push(r.reset);
      }
      if (errors.length) throw new Error(`chart page errors: ${errors.join('; ')}`);
      return { render: median(render), zoom: median(zoom), reset: median(reset) };
    };

    const measurePanel = async (runs: Array<{ id: string; label: string }>, refetch: boolean) => {
      const zoom: number[] = [];
      for (let i = 0; i < s.repeats + 1; i++) {
        const ms = await page.evaluate(
          async ([runs, refetch]) => {
            const b = (window as unknown as { chartBench: ChartBench }).chartBench;
            await b.panel(runs, 'loss');
            return b.panelZoom(0.45, 0.55, refetch);
          },
          [runs, refetch] as const,
        );
        if (i > 0) zoom.push(ms); // the first is a warm-up: JIT and first-use costs
      }
      if (errors.length) throw new Error(`chart page errors: ${errors.join('; ')}`);
      return median(zoom);
    };

    const size = `${s.runs} runs × ${fmt(s.points)} points`;
    const base = await measure(s.baselinePoints, 'step');
    const steps = await measure(s.points, 'step');
    const times = await measure(s.points, 'time');
    const panelBase = await measurePanel(fewPoints, false);
    const panelZoom = await measurePanel(manyPoints, true);
    const baseline = (v: number) => `${ms(v)}: the same chart with ${s.runs} × ${fmt(s.baselinePoints)} points`;
    return [
      {
        name: `console chart, ${size} (shared steps): first render to the painted frame`,
        value: `${ms(steps.render)} median`,
        baseline: baseline(base.render),
        ratio: (steps.render / base.render).toFixed(1),
        target: `≤ ${fmt(RENDER_TARGET_MS)} ms`,
        ok: steps.render <= RENDER_TARGET_MS,
      },
      {
        name: `console metric panel, ${size} logged to a real hub: drag-zoom to a tenth, release to the painted frame of the step range the console fetches again (POST /v1/metrics/series at the chart's resolution)`,
        value: `${ms(panelZoom)} median`,
        baseline: `${ms(panelBase)}: the same panel and zoom on ${s.runs} runs × ${fmt(s.baselinePoints)} points, shown whole (nothing fetched)`,
        ratio: (panelZoom / panelBase).toFixed(1),
        target: `≤ ${fmt(ZOOM_TARGET_MS)} ms`,
        ok: panelZoom <= ZOOM_TARGET_MS,
      },
      {
        name: `console chart alone, ${size} in memory: drag-zoom to a tenth, release to painted frame (reset to all points: ${ms(steps.reset)})`,
        value: `${ms(steps.zoom)} median`,
        baseline: baseline(base.zoom),
        ratio: (steps.zoom / base.zoom).toFixed(1),
        target: `≤ ${fmt(ZOOM_TARGET_MS)} ms`,
        ok: steps.zoom <= ZOOM_TARGET_MS,
      },
      {
        name: `console chart, ${size} on a time axis (each run its own timestamps: x is their ${fmt(s.runs * s.points)}-point union): render, zoom`,
        value: `${ms(times.render)}, ${ms(times.zoom)} median`,
        baseline: baseline(base.render),
        ratio: (times.render / base.render).toFixed(1),
        target: `≤ ${fmt(RENDER_TARGET_MS)} ms, ≤ ${fmt(ZOOM_TARGET_MS)} ms`,
        ok: times.render <= RENDER_TARGET_MS && times.zoom <= ZOOM_TARGET_MS,
      },
    ];
  } finally {
    await browser.close();
  }
}
