import { useEffect, useRef } from 'preact/hooks';
import { datasetTablePreview, datasetTableStats } from '../../../../shared/client/datasets';
import type { ColumnStats } from '../../../../shared/schemas/datasets';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatNumber } from '../../format';

const PREVIEW_ROWS = 20;

const statValue = (v: ColumnStats['min']) => (v == null ? '—' : typeof v === 'number' ? formatNumber(v) : String(v));

function Cell({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">null</span>;
  return <>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</>;
}

/** A tabular file of a version: its columns with type and statistics, and its first rows. */
export function TableFile({ name, version, path }: { name: string; version: number; path: string }) {
  const loaded = useLoad(() => Promise.all([datasetTableStats(hub, name, version, path), datasetTablePreview(hub, name, version, path, PREVIEW_ROWS)]), [name, version, path]);
  const heading = useRef<HTMLHeadingElement>(null);
  // The file opens below the folder it was clicked in: bring it into view, and focus it for keyboard and screen reader users.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
    heading.current?.scrollIntoView({ block: 'start' });
  }, [path]);
  return (
    <section class="card" aria-labelledby="table-title">
      <h2 id="table-title" ref={heading} tabIndex={-1}>
        <code>{path}</code>
      </h2>
      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what={`the schema of ${path}`} />
      ) : (
        <TableBody stats={loaded.data[0]} preview={loaded.data[1]} />
      )}
    </section>
  );
}

function TableBody({ stats, preview }: { stats: Awaited<ReturnType<typeof datasetTableStats>>; preview: Awaited<ReturnType<typeof datasetTablePreview>> }) {
  if (stats.error) return <p role="alert" class="error">{stats.format} file: {stats.error}</p>;
  return (
    <>
      <p class="muted">
        {stats.format === 'jsonl' ? 'JSON Lines' : stats.format.toUpperCase()}, {formatNumber(stats.rows)} {stats.rows === 1 ? 'row' : 'rows'}, {stats.columns.length}{' '}
        {stats.columns.length === 1 ? 'column' : 'columns'} · <code>{stats.digest.slice(0, 19)}…</code>
      </p>
      <h3 id="schema-title">Schema and statistics</h3>
      <div class="scroll" tabIndex={0}>
        <table aria-labelledby="schema-title" class="stats">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col" class="num">Nulls</th>
              <th scope="col" class="num">Min</th>
              <th scope="col" class="num">Max</th>
              <th scope="col" class="num">Mean</th>
              <th scope="col" class="num">Distinct</th>
            </tr>
          </thead>
          <tbody>
            {stats.columns.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.type}</td>
                <td class="num">{formatNumber(c.nulls)}</td>
                <td class="num">{statValue(c.min)}</td>
                <td class="num">{statValue(c.max)}</td>
                <td class="num">{formatNumber(c.mean)}</td>
                <td class="num">{formatNumber(c.distinct)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3 id="preview-title">First rows</h3>
      {preview.error ? (
        <p role="alert" class="error">{preview.error}</p>
      ) : (
        <>
          <div class="scroll" tabIndex={0}>
            <table aria-labelledby="preview-title" class="preview">
              <thead>
                <tr>
                  {preview.columns.map((c) => (
                    <th key={c} scope="col">{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  <tr key={i}>
                    {row.map((cell, j) => (
                      <td key={j}><Cell value={cell} /></td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted small">
            {preview.rows.length < (preview.total ?? 0) ? `The first ${preview.rows.length} of ${formatNumber(preview.total)} rows.` : `All ${formatNumber(preview.rows.length)} rows.`}
          </p>
        </>
      )}
    </>
  );
}
