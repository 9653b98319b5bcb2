import { useMemo, useState } from 'preact/hooks';
import { metricSeries } from '../../../shared/client/tracking';
import { hub } from '../hub';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { sortByX, type Line } from './align';
import type { ChartSettings } from './chart-settings';
import { MetricChart, type Range } from './metric-chart';
import { colorOf } from './palette';
import { smooth } from './smooth';

/** Points per line for the whole series; the hub keeps each bucket's min and max, so spikes survive. */
const BASE_POINTS = 2000;
/** The most points per line a zoom fetches (the chart bench draws 10 lines of this many). */
const MAX_POINTS = 100_000;

/**
 * One metric of one or more runs: fetched downsampled, and fetched again finer when the user zooms into a series
 * that was downsampled (the API downsamples whole series, so the finer fetch is the whole series at more points).
 */
export function MetricPanel({ metric, runs, settings }: { metric: string; runs: Array<{ id: string; label: string }>; settings: ChartSettings }) {
  const [maxPoints, setMaxPoints] = useState(BASE_POINTS);
  const ids = runs.map((r) => r.id);
  const loaded = useLoad(() => metricSeries(hub, { runIds: ids, keys: [metric], maxPoints }), [ids.join(), metric, maxPoints]);
  const series = loaded.data?.series;

  const stats = useMemo(() => {
    let shown = 0;
    let total = 0;
    let positive = true;
    for (const s of series ?? []) {
      shown += s.values.length;
      total += s.total;
      positive &&= s.values.every((v) => v > 0);
    }
    return { shown, total, positive };
  }, [series]);

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

  function onZoom(range: Range | null) {
    if (!range || !series || stats.shown >= stats.total) return;
    const xs = lines.flatMap((l) => (l.x.length ? [l.x[0]!, l.x[l.x.length - 1]!] : []));
    const span = Math.max(...xs) - Math.min(...xs);
    const fraction = span > 0 ? Math.max((range[1] - range[0]) / span, 1e-6) : 1;
    const longest = Math.max(...series.map((s) => s.total));
    const wanted = Math.min(MAX_POINTS, longest, Math.ceil(BASE_POINTS / fraction));
    if (wanted > maxPoints * 1.5) setMaxPoints(wanted);
  }

  if (!series) return <LoadState error={loaded.error} loading={loaded.loading} what={`metric ${metric}`} />;
  const log = settings.log && stats.positive;
  return (
    <div class="metric-panel">
      <MetricChart title={metric} lines={lines} xAxis={settings.xAxis} log={log} onZoom={onZoom} />
      <p class="muted small">
        {stats.shown < stats.total ? `${stats.shown.toLocaleString()} of ${stats.total.toLocaleString()} points (min and max per bucket kept; zoom in for detail)` : `${stats.total.toLocaleString()} points`}
        {settings.log && !stats.positive && ' · log scale needs values above 0, shown linear'}
        {loaded.loading && ' · loading finer points…'}
        {loaded.error && ` · ${loaded.error}`}
      </p>
    </div>
  );
}
