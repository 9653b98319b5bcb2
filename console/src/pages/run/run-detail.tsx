import { useState } from 'preact/hooks';
import { getRun } from '../../../../shared/client/tracking';
import type { Run } from '../../../../shared/schemas/tracking';
import { hub } from '../../hub';
import { ChartSettingsBar, DEFAULT_CHART_SETTINGS } from '../../charts/chart-settings';
import { MetricPanel } from '../../charts/metric-panel';
import { KeyValueTable } from '../../components/kv-table';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatDuration, formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { Artifacts } from './artifacts';
import { Lineage } from './lineage';

function Summary({ run }: { run: Run }) {
  return (
    <section class="card">
      <p class="crumbs">
        <Link href={`/runs?exp=${encodeURIComponent(run.experimentId)}`}>← Runs of this experiment</Link>
      </p>
      <h1>
        {run.name} <span class={`status status-${run.status.toLowerCase()}`}>{run.status}</span>
      </h1>
      <dl class="facts inline">
        <dt>Started</dt>
        <dd>{formatTime(run.startTime)}</dd>
        <dt>Duration</dt>
        <dd>{run.endTime ? formatDuration(run.endTime - run.startTime) : 'running'}</dd>
        <dt>Source</dt>
        <dd>{run.source}{run.deviceId ? ` (device ${run.deviceId})` : ''}</dd>
        <dt>Run id</dt>
        <dd><code>{run.id}</code></dd>
      </dl>
    </section>
  );
}

function Metrics({ run }: { run: Run }) {
  const [settings, setSettings] = useState(DEFAULT_CHART_SETTINGS);
  const keys = Object.keys(run.metrics).sort();
  return (
    <section class="card" aria-labelledby="metrics">
      <h2 id="metrics">Metrics</h2>
      {keys.length === 0 ? (
        <p class="muted">
          No metrics logged yet: <code>POST /v1/runs/{run.id}/log</code> with <code>{'{"metrics":[{"key","steps","values"}]}'}</code>, or{' '}
          <code>mlflow.log_metric</code>.
        </p>
      ) : (
        <>
          <div class="scroll" tabIndex={0}>
          <table class="kv latest">
            <thead>
              <tr><th scope="col">Metric</th><th scope="col">Latest</th><th scope="col">Min</th><th scope="col">Max</th><th scope="col">Points</th></tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const m = run.metrics[k]!;
                return (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{formatNumber(m.value)}</td>
                    <td>{formatNumber(m.min)}</td>
                    <td>{formatNumber(m.max)}</td>
                    <td>{formatNumber(m.count)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          </div>
          <ChartSettingsBar value={settings} onChange={setSettings} />
          <div class="charts">
            {keys.map((k) => (
              <MetricPanel key={k} metric={k} runs={[{ id: run.id, label: run.name }]} settings={settings} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

/** One run: what it was, its curves, its files and where it led. */
export function RunDetail({ id }: { id: string }) {
  const loaded = useLoad(() => getRun(hub, id), [id]);
  const run = loaded.data?.run;
  if (!run) return <LoadState error={loaded.error} loading={loaded.loading} what="the run" />;
  return (
    <>
      <Summary run={run} />
      <Metrics run={run} />
      <div class="columns">
        <KeyValueTable title="Params" values={run.params} empty="No params logged." />
        <KeyValueTable title="Tags" values={run.tags} empty="No tags." />
      </div>
      <Artifacts runId={run.id} />
      <Lineage run={run} />
    </>
  );
}
