import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignLines, type Line } from './align';
import { colorOf } from './palette';

export type XAxis = 'step' | 'time';
export type Range = [number, number];

interface Props {
  title: string;
  lines: Line[];
  xAxis: XAxis;
  log: boolean;
  height?: number;
  /** The x range shown when not zoomed (e.g. the period asked for); the data's own range by default. */
  xRange?: Range;
  /** The x range the user zoomed to, or null when the whole series is shown again; `width` is the plot's in CSS px. */
  onZoom?: (range: Range | null, width: number) => void;
}

/** Whole-number ticks for steps: 1, 2, 5, 10, 20, 50… */
const STEP_TICKS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

const fullRange = (data: uPlot.AlignedData): Range | null => {
  const xs = data[0];
  return xs.length ? [xs[0]!, xs[xs.length - 1]!] : null;
};

function options(width: number, height: number, xAxis: XAxis, log: boolean, lines: Line[], onScale: (u: uPlot) => void): uPlot.Options {
  return {
    width,
    height,
    ms: 1,
    scales: { x: { time: xAxis === 'time' }, y: log ? { distr: 3, log: 10 } : {} },
    axes: [{ label: xAxis, ...(xAxis === 'step' ? { incrs: STEP_TICKS } : {}) }, { size: 60 }],
    series: [{ label: xAxis }, ...lines.map((l, i) => ({ label: l.label, stroke: l.color ?? colorOf(i), width: 1.5 }))],
    cursor: { drag: { x: true, y: false }, focus: { prox: 24 } },
    focus: { alpha: 0.35 },
    legend: { live: true },
    hooks: { setScale: [(u, key) => key === 'x' && onScale(u)] },
  };
}

/**
 * One metric's lines on a uPlot canvas: drag to zoom, double-click or "Reset zoom" to see everything, log scale,
 * step or time on x. uPlot draws at most a few points per pixel column, so 10 × 100k points stay smooth.
 */
export function MetricChart({ title, lines, xAxis, log, height = 240, xRange, onZoom }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shown = useRef<uPlot.AlignedData | null>(null);
  const zoom = useRef<Range | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const data = useMemo(() => alignLines(lines), [lines]);
  const identity = lines.map((l) => `${l.label} ${l.color ?? ''}`).join('\n');
  const zoomHandler = useRef(onZoom);
  zoomHandler.current = onZoom;
  const home = useRef(xRange);
  home.current = xRange;
  const homeRange = (u: uPlot) => home.current ?? fullRange(u.data);

  useEffect(() => {
    const el = box.current!;
    const onScale = (u: uPlot) => {
      const full = homeRange(u);
      const { min, max } = u.scales.x!;
      const next: Range | null = full && min != null && max != null && (min > full[0] || max < full[1]) ? [min, max] : null;
      if (next?.[0] === zoom.current?.[0] && next?.[1] === zoom.current?.[1]) return;
      zoom.current = next;
      setZoomed(next !== null);
      zoomHandler.current?.(next, u.width);
    };
    const u = new uPlot(options(el.clientWidth, height, xAxis, log, lines, onScale), data, el);
    plot.current = u;
    shown.current = data;
    // A new chart (other axis or scale) starts unzoomed: tell the owner, which may hold data for the old zoom.
    if (zoom.current) zoomHandler.current?.(null, u.width);
    zoom.current = null;
    setZoomed(false);
    if (home.current) u.setScale('x', { min: home.current[0], max: home.current[1] });
    const resize = new ResizeObserver(() => el.clientWidth !== u.width && u.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [xAxis, log, height, identity]);

  // New points for the same lines (a finer fetch, smoothing): keep the user's zoom. Before the next paint, so the
  // frame after new data arrives already shows it.
  useLayoutEffect(() => {
    const u = plot.current;
    if (!u || shown.current === data) return;
    shown.current = data;
    const keep = zoom.current;
    u.setData(data, keep === null);
    const range = keep ?? home.current;
    if (range) u.setScale('x', { min: range[0], max: range[1] });
  }, [data]);

  function reset() {
    const u = plot.current;
    const full = u && homeRange(u);
    if (u && full) u.setScale('x', { min: full[0], max: full[1] });
  }

  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{title}</span>
        <button type="button" class="secondary small" onClick={reset} disabled={!zoomed}>
          Reset zoom
        </button>
      </figcaption>
      <div ref={box} class="chart-canvas" />
    </figure>
  );
}
