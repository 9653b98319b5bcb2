/**
 * The page the chart bench loads: the console's own MetricChart, fed generated lines, timed from the call to the
 * second animation frame after the chart drew (that frame is on screen).
 */
import { render } from 'preact';
import type { Line } from '../../console/src/charts/align';
import { MetricChart, type XAxis } from '../../console/src/charts/metric-chart';

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
    let seed = r * 7919 + 1;
    let v = 1 + r / 10;
    const y = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      seed = (seed * 16807) % 2147483647;
      v += (seed / 2147483647 - 0.5) * 0.01;
      y[i] = v;
    }
    const x = axis === 'step' ? steps : Float64Array.from({ length: points }, (_, i) => t0 + r * 137 + i * 1000 + (i % 7));
    return { label: `run-${r}`, x, y };
  });
}

function mouse(type: string, target: EventTarget, clientX: number, clientY: number) {
  target.dispatchEvent(new MouseEvent(type, { clientX, clientY, movementX: 1, bubbles: true, cancelable: true, button: 0, buttons: type === 'mouseup' ? 0 : 1 }));
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
    const over = root().querySelector('.u-over')!;
    const r = over.getBoundingClientRect();
    const y = r.top + r.height / 2;
    mouse('mousedown', over, r.left + r.width * from, y);
    mouse('mousemove', over, r.left + r.width * to, y);
    await painted();
    const start = performance.now();
    mouse('mouseup', document, r.left + r.width * to, y);
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
};

Object.assign(window, { chartBench: bench });
