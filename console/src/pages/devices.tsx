import { useMemo, useState } from 'preact/hooks';
import { readTelemetry } from '../../../shared/client/telemetry';
import type { TelemetryResponse } from '../../../shared/schemas/telemetry';
import { hub } from '../hub';
import type { Line } from '../charts/align';
import { MetricChart } from '../charts/metric-chart';
import { colorOf } from '../charts/palette';
import { Snippet } from '../components/copy';
import { EmptyState, scriptTagSnippet } from '../components/empty-state';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { formatMs, formatNumber, formatTime } from '../format';
import { Link } from '../router';

const MINUTE = 60_000;
const PERIODS = {
  '1h': { label: 'Last hour', span: 60 * MINUTE, bucket: MINUTE },
  '24h': { label: 'Last 24 hours', span: 24 * 60 * MINUTE, bucket: 15 * MINUTE },
  '7d': { label: 'Last 7 days', span: 7 * 24 * 60 * MINUTE, bucket: 6 * 60 * MINUTE },
} as const;
type Period = keyof typeof PERIODS;

const FIGURES = {
  count: 'Requests',
  p95Ms: 'Latency p95 (ms)',
  p50Ms: 'Latency p50 (ms)',
  errors: 'Errors',
} as const;
type Figure = keyof typeof FIGURES;

type Series = TelemetryResponse['series'][number];
const seriesLabel = (s: Series) => `${s.model}/${s.version} ${s.backend}`;

function chartLines(series: Series[], figure: Figure): Line[] {
  return series.map((s, i) => {
    const points = s.points.filter((p) => p[figure] != null);
    return { label: seriesLabel(s), color: colorOf(i), x: points.map((p) => p.t), y: points.map((p) => p[figure] as number) };
  });
}

/** How models do on devices: per version and backend, from the telemetry devices sync. */
export function Devices() {
  const [period, setPeriod] = useState<Period>('24h');
  const [figure, setFigure] = useState<Figure>('count');
  const { span, bucket } = PERIODS[period];
  const loaded = useLoad(() => readTelemetry(hub, { since: Date.now() - span, bucket }), [period]);
  const series = loaded.data?.series;
  const lines = useMemo(() => chartLines(series ?? [], figure), [series, figure]);

  const controls = (
    <div class="toolbar">
      <label>
        Period{' '}
        <select value={period} onChange={(e) => setPeriod(e.currentTarget.value as Period)}>
          {Object.entries(PERIODS).map(([k, p]) => (
            <option key={k} value={k}>{p.label}</option>
          ))}
        </select>
      </label>
      <label>
        Chart{' '}
        <select value={figure} onChange={(e) => setFigure(e.currentTarget.value as Figure)}>
          {Object.entries(FIGURES).map(([k, label]) => (
            <option key={k} value={k}>{label}</option>
          ))}
        </select>
      </label>
    </div>
  );

  return (
    <section class="card" aria-labelledby="devices-title">
      <h1 id="devices-title">Devices</h1>
      {controls}
      {!series ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="telemetry" />
      ) : series.length === 0 ? (
        <EmptyState title="No device telemetry in this period">
          <p>
            Pages that load models with the runtime report request counts, latency and errors per model version and backend. Create a publishable key (
            <Link href="/keys">Keys</Link>, role "device") and paste:
          </p>
          <Snippet label="HTML" code={scriptTagSnippet()} />
        </EmptyState>
      ) : (
        <>
          <MetricChart title={FIGURES[figure]} lines={lines} xAxis="time" log={false} xRange={[loaded.data!.since, loaded.data!.until]} />
          <div class="scroll" tabIndex={0}>
            <table class="telemetry">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Backend</th>
                  <th scope="col" class="num">Requests</th>
                  <th scope="col" class="num">Errors</th>
                  <th scope="col" class="num">p50</th>
                  <th scope="col" class="num">p95</th>
                  <th scope="col" class="num">Devices</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {series.map((s, i) => (
                  <tr key={seriesLabel(s)}>
                    <th scope="row">
                      <span class="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />
                      <Link href={`/models/${encodeURIComponent(s.model)}`}>{s.model}</Link>/{s.version}
                    </th>
                    <td>{s.backend}</td>
                    <td class="num">{formatNumber(s.count)}</td>
                    <td class="num">
                      {formatNumber(s.errors)}
                      {s.count > 0 && s.errors > 0 && <span class="muted"> ({((100 * s.errors) / s.count).toFixed(1)}%)</span>}
                    </td>
                    <td class="num">{formatMs(s.p50Ms)}</td>
                    <td class="num">{formatMs(s.p95Ms)}</td>
                    <td class="num">{formatNumber(s.devices)}</td>
                    <td>{formatTime(s.lastSeen)}</td>
                    <td class="wrap">{s.lastError ?? <span class="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
