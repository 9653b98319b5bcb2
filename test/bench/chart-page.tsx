/**
 * The page the chart bench loads: the console's own MetricChart, fed generated lines, and its MetricPanel reading a
 * real hub (the page is served from the hub's origin), timed from the call to the second animation frame after the
 * chart drew (that frame is on screen).
 */
import { render } from 'preact';
import type { Line } from '../../console/src/charts/align';
import { DEFAULT_CHART_SETTINGS } from '../../console/src/charts/chart-settings';
import { MetricChart, type XAxis } from '../../console/src/charts/metric-chart';
import { MetricPanel } from '../../console/src/charts/metric-panel';
import { randomWalk } from './walk';

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const painted = async () => {
  await frame();
  await frame();
};
const root = () => document.getElementById('root')!;

/** Random-walk curves; on the time axis each run has timestamps of its own, so x is the union of all of them. */
function makeLines(runs: number, points: number, axis: XAxis): Line[] {
  const steps = Float64Array.from({ length: points }, (_, i) => i);
  const t0 = Date.UTC(2026, 0, 1);
  return Array.from({ length: runs }, (_, r) => {
    const y = randomWalk(r, points);
    const x = axis === 'step' ? steps : Float64Array.from({ length: points }, (_, i) => t0 + r * 137 + i * 1000 + (i % 7));
    return { label: `run-${r}`, x, y };
  });
}

function mouse(type: string, target: EventTarget, clientX: number, clientY: number) {
  target.dispatchEvent(new MouseEvent(type, { clientX, clientY, movementX: 1, bubbles: true, cancelable: true, button: 0, buttons: type === 'mouseup' ? 0 : 1 }));
}

/** Strokes drawn on any canvas: uPlot strokes every line it draws, so a count that moved means the chart drew. */
let strokes = 0;
const stroke = CanvasRenderingContext2D.prototype.stroke as (this: CanvasRenderingContext2D, ...path: [Path2D] | []) => void;
CanvasRenderingContext2D.prototype.stroke = function (this: CanvasRenderingContext2D, ...path: [Path2D] | []) {
  strokes++;
  stroke.apply(this, path);
};

/** Resolves on the second animation frame after `drew()` turned true: that frame is on screen. */
async function paintedOnceDrawn(what: string, drew: () => boolean, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  do {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await frame();
  } while (!drew());
  await frame();
}

const caption = () => root().querySelector('.metric-panel p')?.textContent ?? '';
/** The panel's caption once it shows a zoomed step range it fetched ("… of steps 45,000–55,000"). */
const showsZoomedSteps = () => caption().includes(' of steps ');

function drag(from: number, to: number): () => void {
  const over = root().querySelector('.u-over')!;
  const r = over.getBoundingClientRect();
  const y = r.top + r.height / 2;
  mouse('mousedown', over, r.left + r.width * from, y);
  mouse('mousemove', over, r.left + r.width * to, y);
  return () => mouse('mouseup', document, r.left + r.width * to, y);
}

const bench = {
  async render(runs: number, points: number, axis: XAxis): Promise<number> {
    render(null, root());
    const lines = makeLines(runs, points, axis);
    await painted();
    const start = performance.now();
    render(<MetricChart title="bench" lines={lines} xAxis={axis} log={false} height={320} />, root());
    while (!root().querySelector('.u-over canvas, .u-over') || !root().querySelector('canvas')) await frame();
    await painted();
    return performance.now() - start;
  },

  /** Drags across [from, to] of the plot's width like a user; timed from the release to the painted zoom. */
  async zoom(from: number, to: number): Promise<number> {
    const release = drag(from, to);
    await painted();
    const start = performance.now();
    release();
    await painted();
    const zoomed = !(root().querySelector('figcaption button') as HTMLButtonElement).disabled;
    if (!zoomed) throw new Error('the drag did not zoom the chart');
    return performance.now() - start;
  },

  /** "Reset zoom": back to every point. */
  async reset(): Promise<number> {
    const start = performance.now();
    (root().querySelector('figcaption button') as HTMLButtonElement).click();
    await painted();
    return performance.now() - start;
  },

  /** The console's metric panel for `runs`, mounted afresh: it fetches the overview from the hub and draws it. */
  async panel(runs: Array<{ id: string; label: string }>, metric: string): Promise<void> {
    render(null, root());
    await painted();
    render(<MetricPanel metric={metric} runs={runs} settings={DEFAULT_CHART_SETTINGS} />, root());
    await paintedOnceDrawn('the overview', () => / points/.test(caption()) && root().querySelector('.u-over') !== null);
  },

  /**
   * Drag-zooms the panel; timed from the release to the painted frame that shows what the console shows for that
   * zoom: with `refetch`, the step range it fetches again from the hub at the chart's resolution; without, the points
   * it already holds (every point of the series, so nothing is fetched).
   */
  async panelZoom(from: number, to: number, refetch: boolean): Promise<number> {
    const downsampled = / of [\d,]+ points/.test(caption());
    if (refetch !== downsampled) throw new Error(`the panel shows "${caption()}": a zoom would ${refetch ? 'fetch nothing' : 'fetch again'}`);
    const release = drag(from, to);
    await painted();
    // With a refetch: the strokes drawn by the time the fetched range reaches the panel; the chart draws it after that.
    let atCaption: number | undefined;
    const seen = new MutationObserver(() => {
      if (!showsZoomedSteps()) return;
      atCaption = strokes;
      seen.disconnect();
    });
    if (refetch) seen.observe(root(), { subtree: true, childList: true, characterData: true });
    const start = performance.now();
    release();
    if (refetch) {
      await paintedOnceDrawn('the zoomed step range', () => atCaption !== undefined && strokes > atCaption);
    } else {
      await painted();
      if (showsZoomedSteps()) throw new Error('a zoom into a series shown whole fetched it again');
    }
    const ms = performance.now() - start;
    if ((root().querySelector('figcaption button') as HTMLButtonElement).disabled) throw new Error('the drag did not zoom the chart');
    return ms;
  },
};

Object.assign(window, { chartBench: bench });
