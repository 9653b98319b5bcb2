import { useMemo, useState } from 'preact/hooks';
import { listExperiments } from '../../../../shared/client/tracking';
import type { Experiment, Run } from '../../../../shared/schemas/tracking';
import { hub } from '../../hub';
import { EmptyState, scriptTagSnippet, trackingSnippet } from '../../components/empty-state';
import { Snippet } from '../../components/copy';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { Link, navigate } from '../../router';
import { ColumnPicker, type AvailableColumns } from './column-picker';
import { FilterBox } from './filter-box';
import { columnsFor, RunsTable } from './runs-table';
import { useRunPages } from './use-run-pages';
import { orderTerm, readView, viewUrl, type RunsView, type Sort } from './view';

const DEFAULT_SORT: Sort = { column: 'attributes.start_time', direction: 'DESC' };
const DEFAULT_COLUMNS_PER_KIND = 6;

/** Keys seen in the first loaded runs: what the column picker offers. */
function availableColumns(rows: Run[]): AvailableColumns {
  const seen = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  for (const r of rows.slice(0, 500)) {
    for (const k in r.metrics) seen.metrics.add(k);
    for (const k in r.params) seen.params.add(k);
    for (const k in r.tags) seen.tags.add(k);
  }
  return { metrics: [...seen.metrics].sort(), params: [...seen.params].sort(), tags: [...seen.tags].sort() };
}

function ExperimentList({ experiments, chosen, view }: { experiments: Experiment[]; chosen: string[]; view: RunsView }) {
  const href = (ids: string[]) => viewUrl({ ...view, experiments: ids });
  return (
    <nav aria-label="Experiments" class="experiments">
      <h2>Experiments</h2>
      <ul>
        <li>
          <Link href={href([])} aria-current={chosen.length === 0 ? 'page' : undefined}>All experiments</Link>
        </li>
        {experiments.map((e) => (
          <li key={e.id}>
            <Link href={href([e.id])} aria-current={chosen.length === 1 && chosen[0] === e.id ? 'page' : undefined}>{e.name}</Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function NoRunsYet({ page }: { page?: boolean }) {
  return (
    <EmptyState title="No runs yet" page={page}>
      <p>Log runs from a training script with MLflow's client (it talks to this hub as is):</p>
      <Snippet label="Shell" code={trackingSnippet()} />
      <p>Or from a web page, with the browser runtime (runs sync when the device is online):</p>
      <Snippet label="HTML" code={scriptTagSnippet()} />
    </EmptyState>
  );
}

/** Experiments, and their runs: filtered and sorted by the hub, columns of your choice, all in the URL. */
export function RunsPage({ query }: { query: URLSearchParams }) {
  const view = readView(query);
  const experiments = useLoad(() => listExperiments(hub), []);
  const all = experiments.data?.experiments ?? [];
  const ids = view.experiments.length ? view.experiments : all.map((e) => e.id);
  const sort = view.sort ?? DEFAULT_SORT;
  const search = ids.length ? { experimentIds: ids, filter: view.filter || undefined, orderBy: view.sort ? [orderTerm(view.sort)] : undefined } : null;
  const pages = useRunPages(search);
  const available = useMemo(() => availableColumns(pages.rows), [pages.rows[0], Math.min(pages.rows.length, 500)]);
  const chosen = view.columns ?? [...available.metrics.slice(0, DEFAULT_COLUMNS_PER_KIND).map((k) => `metrics.${k}`), ...available.params.slice(0, DEFAULT_COLUMNS_PER_KIND).map((k) => `params.${k}`)];
  const [selected, setSelected] = useState<Map<string, Run>>(new Map());

  const update = (patch: Partial<RunsView>, replace = false) => navigate(viewUrl({ ...view, ...patch }), { replace });
  const onSort = (column: string) => {
    const direction = sort.column === column ? (sort.direction === 'ASC' ? 'DESC' : 'ASC') : column.startsWith('metrics.') || column === 'attributes.start_time' ? 'DESC' : 'ASC';
    update({ sort: { column, direction } });
  };
  const onSelect = (run: Run, on: boolean) =>
    setSelected((s) => {
      const next = new Map(s);
      if (on) next.set(run.id, run);
      else next.delete(run.id);
      return next;
    });

  if (!experiments.data) return <LoadState error={experiments.error} loading={experiments.loading} what="experiments" />;
  if (all.length === 0) return <NoRunsYet page />;
  const filterError = pages.error && view.filter ? pages.error : null;

  return (
    <div class="runs-layout">
      <ExperimentList experiments={all} chosen={view.experiments} view={view} />
      <section class="card runs-main" aria-labelledby="runs-title">
        <h1 id="runs-title">Runs</h1>
        <FilterBox value={view.filter} onApply={(filter) => update({ filter }, true)} serverError={filterError} />
        <div class="toolbar">
          <ColumnPicker available={available} chosen={chosen} onChange={(columns) => update({ columns }, true)} />
          <span class="muted" aria-live="polite">
            {pages.rows.length.toLocaleString()}
            {pages.hasMore ? '+' : ''} runs{pages.loading ? ' · loading…' : ''}
          </span>
          <span class="spacer" />
          {selected.size > 0 && (
            <button type="button" class="secondary" onClick={() => setSelected(new Map())}>
              Clear selection
            </button>
          )}
          <button
            type="button"
            disabled={selected.size < 2}
            onClick={() => navigate(`/compare?${[...selected.keys()].map((id) => `run=${encodeURIComponent(id)}`).join('&')}`)}
          >
            Compare {selected.size > 0 ? `${selected.size} runs` : 'runs'}
          </button>
        </div>
        {pages.error && !filterError && <p role="alert" class="error">{pages.error}</p>}
        {!pages.loading && pages.rows.length === 0 && !pages.error ? (
          view.filter ? (
            <p class="empty-inline">
              No runs match this filter.{' '}
              <button type="button" class="link" onClick={() => update({ filter: '' })}>Clear the filter</button>
            </p>
          ) : (
            <NoRunsYet />
          )
        ) : (
          <RunsTable
            rows={pages.rows}
            columns={columnsFor(chosen)}
            sort={sort}
            onSort={onSort}
            selected={new Set(selected.keys())}
            onSelect={onSelect}
            hasMore={pages.hasMore}
            loading={pages.loading}
            onNeedMore={pages.loadMore}
          />
        )}
      </section>
    </div>
  );
}
