import { useState } from 'preact/hooks';
import { getRun } from '../../../shared/client/tracking';
import type { Run } from '../../../shared/schemas/tracking';
import { hub } from '../hub';
import { ChartSettingsBar, DEFAULT_CHART_SETTINGS } from '../charts/chart-settings';
import { MetricPanel } from '../charts/metric-panel';
import { colorOf } from '../charts/palette';
import { EmptyState } from '../components/empty-state';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { formatNumber } from '../format';
import { Link } from '../router';

interface DiffRow {
  group: 'param' | 'metric' | 'tag';
  key: string;
  cells: string[];
  differs: boolean;
}

function diffRows(runs: Run[]): DiffRow[] {
  const rows: DiffRow[] = [];
  const add = (group: DiffRow['group'], keys: Iterable<string>, value: (r: Run, k: string) => string | undefined) => {
    for (const key of [...new Set(keys)].sort()) {
      const cells = runs.map((r) => value(r, key) ?? '—');
      rows.push({ group, key, cells, differs: cells.some((c) => c !== cells[0]) });
    }
  };
  add('param', runs.flatMap((r) => Object.keys(r.params)), (r, k) => r.params[k]);
  add('metric', runs.flatMap((r) => Object.keys(r.metrics)), (r, k) => (r.metrics[k] ? formatNumber(r.metrics[k].value) : undefined));
  add('tag', runs.flatMap((r) => Object.keys(r.tags)), (r, k) => r.tags[k]);
  return rows;
}

function DiffTable({ runs }: { runs: Run[] }) {
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  const rows = diffRows(runs).filter((r) => !onlyDiffs || r.differs);
  return (
    <section class="card" aria-labelledby="diff">
      <h2 id="diff">Params, metrics and tags</h2>
      <label class="check">
        <input type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.currentTarget.checked)} /> Only rows that differ
      </label>
      <p class="muted small">Rows that differ between the runs are highlighted and marked ≠.</p>
      <div class="scroll" tabIndex={0}>
        <table class="diff">
          <thead>
            <tr>
              <th scope="col">Key</th>
              {runs.map((r, i) => (
                <th scope="col" key={r.id}>
                  <span class="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />
                  <Link href={`/runs/${encodeURIComponent(r.id)}`}>{r.name || r.id}</Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.group}.${row.key}`} class={row.differs ? 'differs' : undefined}>
                <th scope="row">
                  <span class="muted">{row.group}</span> {row.key}
                  {row.differs && <span class="marker" title="values differ"> ≠</span>}
                </th>
                {row.cells.map((c, i) => (
                  <td key={i}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Runs side by side: every metric as one chart with a line per run, and what differs between them. */
export function Compare({ query }: { query: URLSearchParams }) {
  const ids = query.getAll('run').filter(Boolean);
  const loaded = useLoad(() => Promise.all(ids.map((id) => getRun(hub, id).then((r) => r.run))), [ids.join()]);
  const [settings, setSettings] = useState(DEFAULT_CHART_SETTINGS);

  if (ids.length < 2) {
    return (
      <EmptyState title="Compare runs" page>
        <p>
          Tick two or more runs in the <Link href="/runs">runs table</Link> and press <strong>Compare</strong>: their metrics are drawn on shared
          charts and their params are diffed here. The address of this page can be shared.
        </p>
      </EmptyState>
    );
  }
  const runs = loaded.data;
  if (!runs) return <LoadState error={loaded.error} loading={loaded.loading} what="the runs" />;
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const labels = runs.map((r) => ({ id: r.id, label: r.name || r.id }));
  return (
    <>
      <section class="card" aria-labelledby="compare-title">
        <h1 id="compare-title">Compare {runs.length} runs</h1>
        {metrics.length === 0 ? (
          <p class="muted">These runs have no metrics to chart.</p>
        ) : (
          <>
            <ChartSettingsBar value={settings} onChange={setSettings} />
            <div class="charts">
              {metrics.map((m) => (
                <MetricPanel key={m} metric={m} runs={labels} settings={settings} />
              ))}
            </div>
          </>
        )}
      </section>
      <DiffTable runs={runs} />
    </>
  );
}
