import { useMemo, useState } from 'preact/hooks';
import { metricSeries } from '../../../shared/client/tracking';
import type { Series, SeriesRequest } from '../../../shared/schemas/tracking';
import { hub } from '../hub';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { sortByX, type Line } from './align';
import type { ChartSettings } from './chart-settings';
import { MetricChart, type Range } from './metric-chart';
import { colorOf } from './palette';
import { smooth } from './smooth';
import { fetchZoomedSeries, stepRangeOf, type StepRange } from './zoom-fetch';

/** Points per line for the whole series; the hub keeps each bucket's min and max, so spikes survive. */
const BASE_POINTS = 2000;
/** Points per CSS pixel of plot a zoom fetches: each bucket keeps its min and max, so two reach every pixel column. */
const ZOOM_POINTS_PER_PX = 2;

const count = (series: Series[]) => series.reduce((n, s) => ({ shown: n.shown + s.values.length, total: n.total + s.total }), { shown: 0, total: 0 });
const fmt = (n: number) => n.toLocaleString();

/**
 * One metric of one or more runs: the whole series downsampled, and, once the user drag-zooms into a downsampled
 * series, the visible step range fetched again at the chart's resolution (its real points when there are few enough).
 */
export function MetricPanel({ metric, runs, settings }: { metric: string; runs: Array<{ id: string; label: string }>; settings: ChartSettings }) {
  const ids = runs.map((r) => r.id);
  const fetchSeries = (request: SeriesRequest) => metricSeries(hub, request);
  const overview = useLoad(() => fetchSeries({ runIds: ids, keys: [metric], maxPoints: BASE_POINTS }), [ids.join(), metric]);
  // The zoom's fetch starts in the zoom handler itself, not a frame later in an effect: the user is waiting for it.
  const [zoom, setZoom] = useState<{ steps: StepRange; detail: Promise<{ series: Series[]; inRange: Series[] }> } | null>(null);
  const zoomed = useLoad(() => zoom?.detail ?? Promise.resolve(null), [zoom]);
  const detail = zoom ? zoomed.data : null;
  const series = detail?.series ?? overview.data?.series;

  const stats = useMemo(() => {
    const whole = count(overview.data?.series ?? []);
    return { ...whole, positive: (series ?? []).every((s) => s.values.every((v) => v > 0)) };
  }, [overview.data, series]);

  const lines = useMemo<Line[]>(
    () =>
      (series ?? []).flatMap((s) => {
        const index = runs.findIndex((r) => r.id === s.runId);
        if (s.values.length === 0) return [];
        const { x, y } = settings.xAxis === 'step' ? { x: s.steps, y: s.values } : sortByX(s.timestamps, s.values);
        return [{ label: runs[index]?.label ?? s.runId, color: colorOf(index), x, y: smooth(y, settings.smoothing) }];
      }),
    [series, settings.xAxis, settings.smoothing, runs.map((r) => r.label).join('\n')],
  );

  function onZoom(range: Range | null, width: number) {
    const whole = overview.data?.series;
    const steps = range && whole && stats.shown < stats.total ? stepRangeOf(range, settings.xAxis, whole) : null;
    const maxPoints = Math.max(BASE_POINTS, Math.round(width * ZOOM_POINTS_PER_PX));
    setZoom(steps && whole ? { steps, detail: fetchZoomedSeries(fetchSeries, whole, steps, maxPoints) } : null);
  }

  if (!series) return <LoadState error={overview.error} loading={overview.loading} what={`metric ${metric}`} />;
  const log = settings.log && stats.positive;
  const error = overview.error ?? zoomed.error;
  return (
    <div class="metric-panel">
      <MetricChart title={metric} lines={lines} xAxis={settings.xAxis} log={log} onZoom={onZoom} />
      <p class="muted small">
        {detail && zoom ? zoomText(detail.inRange, zoom.steps) : stats.shown < stats.total ? `${fmt(stats.shown)} of ${fmt(stats.total)} points (min and max per bucket kept; zoom in for detail)` : `${fmt(stats.total)} points`}
        {settings.log && !stats.positive && ' · log scale needs values above 0, shown linear'}
        {zoom && zoomed.loading && ' · loading the zoomed steps…'}
        {error && ` · ${error}`}
      </p>
    </div>
  );
}

function zoomText(inRange: Series[], { minStep, maxStep }: StepRange): string {
  const { shown, total } = count(inRange);
  const where = `of steps ${fmt(minStep)}–${fmt(maxStep)}`;
  return shown < total ? `${fmt(shown)} of ${fmt(total)} points ${where} (min and max per bucket kept; zoom in further for detail)` : `all ${fmt(total)} points ${where}`;
}
